import { useEffect } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import type { Account } from '../../shared/protocol/account';
import { SignOutButton } from '../features/account/components/sign-out-button';
import { useHistoryEvents } from '../features/history/api/use-history-events';
import { useDeviceKeys } from '../lib/device-keys';
import { useIdentity } from '../lib/identity-query';
import { useMessagingSession } from '../lib/messaging-session';
import { useUnreadInTitle } from '../lib/page-title';
import { dismissNotice, useNotices } from '../lib/notices';

const TABS = [
  { to: '/settings', label: 'Settings' },
  { to: '/people', label: 'People' },
  { to: '/messages', label: 'Messages' },
  { to: '/history', label: 'History' },
] as const;

/**
 * A single-page app never loads a new document, so after a move to another view focus would stay on the
 * link that was pressed: it goes to the new view's heading instead, where keyboard and screen-reader users
 * expect to start.
 */
function useFocusOnViewChange(): void {
  const { pathname } = useLocation();
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [pathname]);
}

export function AppShell({ account }: { account: Account }) {
  useMessagingSession(account.name);
  // Keys come back from the backup whichever page a new browser opens on, not only on Settings.
  useDeviceKeys(account.name, useIdentity().data);
  useFocusOnViewChange();
  const unread = useHistoryEvents(account.name).events.filter((event) => event.unread).length;
  useUnreadInTitle(unread);
  const notices = useNotices();
  const errors = notices.filter((notice) => notice.kind === 'error');
  const news = notices.filter((notice) => notice.kind === 'news');
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Ringpost</span>
        <nav className="tabs" aria-label="Main">
          {TABS.map((tab) => (
            <NavLink key={tab.to} to={tab.to}>
              {tab.label}
              {tab.to === '/history' && unread > 0 && (
                <span className="count-badge">
                  {' '}
                  {unread}
                  <span className="visually-hidden"> unread</span>
                </span>
              )}
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
        {errors.length > 0 && (
          <div role="alert" className="notices">
            {errors.map((notice) => (
              <p key={notice.id} className="alert alert-error notice">
                {notice.text}{' '}
                <button type="button" className="secondary" onClick={() => dismissNotice(notice.id)}>
                  Dismiss
                </button>
              </p>
            ))}
          </div>
        )}
        {/* Always there, so news added to it is read out politely. */}
        <div role="status" className="notices">
          {news.map((notice) => (
            <p key={notice.id} className="notice notice-news">
              {notice.text}
            </p>
          ))}
        </div>
        <Outlet />
      </main>
    </div>
  );
}
