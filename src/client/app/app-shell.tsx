import { NavLink, Outlet } from 'react-router';
import type { Account } from '../../shared/protocol/account';
import { SignOutButton } from '../features/account/components/sign-out-button';
import { useMessagingSession } from '../lib/messaging-session';
import { dismissNotice, useNotices } from '../lib/notices';

const TABS = [
  { to: '/settings', label: 'Settings' },
  { to: '/people', label: 'People' },
  { to: '/messages', label: 'Messages' },
  { to: '/history', label: 'History' },
] as const;

export function AppShell({ account }: { account: Account }) {
  useMessagingSession(account.name);
  const notices = useNotices();
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Ringpost</span>
        <nav className="tabs" aria-label="Main">
          {TABS.map((tab) => (
            <NavLink key={tab.to} to={tab.to}>
              {tab.label}
            </NavLink>
          ))}
        </nav>
        <div className="whoami">
          <span className="muted">
            Signed in as <strong>{account.name}</strong>
          </span>
          <SignOutButton />
        </div>
      </header>
      <main className="content">
        {notices.length > 0 && (
          <div role="alert" className="notices">
            {notices.map((notice) => (
              <p key={notice.id} className="alert alert-error notice">
                {notice.text}{' '}
                <button type="button" className="secondary" onClick={() => dismissNotice(notice.id)}>
                  Dismiss
                </button>
              </p>
            ))}
          </div>
        )}
        <Outlet />
      </main>
    </div>
  );
}
