import { EmptyState } from '../../../components/ui/empty-state';
import { usePageTitle } from '../../../lib/page-title';

export function HistoryPage() {
  usePageTitle('History');
  return (
    <div className="stack">
      <h1>History</h1>
      <EmptyState title="Nothing in the last 7 days">
        <p>
          History lists every message, invite and acceptance of the last 7 days, newest first. After 7 days
          the content is destroyed; up to 5 starred messages are kept.
        </p>
      </EmptyState>
    </div>
  );
}
