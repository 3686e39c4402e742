import type { Account } from '../../shared/protocol/account';
import { AccountSection } from '../features/account/components/account-section';
import { NotificationsSection } from '../features/account/components/notifications-section';
import { UnlockForm } from '../features/account/components/unlock-form';
import { SharingSection } from '../features/sharing/components/sharing-section';
import { usePageTitle } from '../lib/page-title';
import { GettingStarted } from './getting-started';

export function SettingsPage({ account }: { account: Account }) {
  usePageTitle('Settings');
  return (
    <div className="stack">
      <h1>Settings</h1>
      <GettingStarted />
      <SharingSection
        accountName={account.name}
        unlock={(reason) => <UnlockForm accountName={account.name} reason={reason} />}
      />
      <NotificationsSection />
      <AccountSection account={account} />
    </div>
  );
}
