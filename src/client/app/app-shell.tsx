import { NavLink, Outlet } from 'react-router';
import type { Account } from '../../shared/protocol/account';
import { SignOutButton } from '../features/account/components/sign-out-button';

const TABS = [
  { to: '/settings', label: 'Settings' },
  { to: '/people', label: 'People' },
  { to: '/messages', label: 'Messages' },
  { to: '/history', label: 'History' },
] as const;

export function AppShell({ account }: { account: Account }) {
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
        <Outlet />
      </main>
    </div>
  );
}
