import type { Account } from '../../shared/protocol/account';
import { AccountSection } from '../features/account/components/account-section';

export function SettingsPage({ account }: { account: Account }) {
  return (
    <div className="stack">
      <h1>Settings</h1>
      <AccountSection account={account} />
    </div>
  );
}
