import { EmptyState } from '../../../components/ui/empty-state';

export function PeoplePage() {
  return (
    <EmptyState title="Your Ring of Trust is empty">
      <p>
        Your Ring of Trust holds the people you exchange messages with. You add someone by their exact
        community name, which they tell you themselves: Ringpost is not a place to find new people.
      </p>
      <p>To invite a friend, first activate sharing and claim your community name in Settings.</p>
    </EmptyState>
  );
}
