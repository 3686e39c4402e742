import { Link } from 'react-router';
import { EmptyState } from '../../../components/ui/empty-state';
import { useIdentity } from '../../../lib/identity-query';
import { usePageTitle } from '../../../lib/page-title';

export function PeoplePage() {
  usePageTitle('People');
  return (
    <div className="stack">
      <h1>People</h1>
      <EmptyState title="Your Ring of Trust is empty">
        <p>
          Your Ring of Trust holds the people you exchange messages with. You add someone by their exact
          community name, which they tell you themselves: Ringpost is not a place to find new people.
        </p>
        <NextStep />
      </EmptyState>
    </div>
  );
}

/** Asks only for the steps still missing, so someone who has done them is not sent back to Settings. */
function NextStep() {
  const identity = useIdentity();
  if (identity.data === undefined) return null;
  if (identity.data === null) {
    return (
      <p>
        First activate sharing and choose your community name in <Link to="/settings">Settings</Link>.
      </p>
    );
  }
  if (!identity.data.communityName) {
    return (
      <p>
        First choose your community name in <Link to="/settings">Settings</Link>.
      </p>
    );
  }
  return (
    <p>
      Friends add you by your community name: <strong>{identity.data.communityName}</strong>.
    </p>
  );
}
