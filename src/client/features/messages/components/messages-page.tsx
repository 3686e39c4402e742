import { EmptyState } from '../../../components/ui/empty-state';
import { usePageTitle } from '../../../lib/page-title';

export function MessagesPage() {
  usePageTitle('Messages');
  return (
    <div className="stack">
      <h1>Messages</h1>
      <EmptyState title="No messages yet">
        <p>
          Messages are at most 160 characters, encrypted in this browser before they leave it, and readable
          only by you and the one person you send them to.
        </p>
        <p>You can write to people once they are in your Ring of Trust.</p>
      </EmptyState>
    </div>
  );
}
