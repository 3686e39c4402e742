import './signed-in.css';
import { Navigate, Route, Routes } from 'react-router';
import type { Account } from '../../shared/protocol/account';
import { UnlockForm } from '../features/account/components/unlock-form';
import { HistoryPage } from '../features/history/components/history-page';
import { ConversationPage } from '../features/messages/components/conversation-page';
import { useMessageRows } from '../features/messages/components/message-rows';
import { MessagesPage } from '../features/messages/components/messages-page';
import { PeoplePage } from '../features/ring/components/people-page';
import { AppShell } from './app-shell';
import { SettingsPage } from './settings-page';

// The signed-in app, loaded as a chunk of its own (see app.tsx).
export default function SignedInRoutes({ account }: { account: Account }) {
  return (
    <Routes>
      <Route element={<AppShell account={account} />}>
        <Route path="/settings" element={<SettingsPage account={account} />} />
        <Route
          path="/people"
          element={
            <PeoplePage
              account={account}
              unlock={(reason) => <UnlockForm accountName={account.name} reason={reason} />}
            />
          }
        />
        <Route path="/messages" element={<MessagesPage account={account} />} />
        <Route path="/conversations/:name" element={<ConversationPage account={account} />} />
        <Route path="/history" element={<HistoryPage account={account} useMessageRows={useMessageRows} />} />
        <Route path="*" element={<Navigate to="/settings" replace />} />
      </Route>
    </Routes>
  );
}
