import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { Alert } from '../components/ui/alert';
import { useSession } from '../features/account/api/get-session';
import { AuthScreen } from '../features/account/components/auth-screen';
import { UnlockForm } from '../features/account/components/unlock-form';
import { HistoryPage } from '../features/history/components/history-page';
import { MessagesPage } from '../features/messages/components/messages-page';
import { PeoplePage } from '../features/ring/components/people-page';
import { errorMessage } from '../lib/api-client';
import { createQueryClient } from '../lib/query-client';
import { AppShell } from './app-shell';
import { SettingsPage } from './settings-page';
import { ConversationPage } from '../features/messages/components/conversation-page';
import { useMessageRows } from '../features/messages/components/message-rows';

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}

function AppRoutes() {
  const session = useSession();

  if (session.isPending) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (session.isError) {
    return (
      <main className="auth">
        <Alert>{errorMessage(session.error)}</Alert>
        <button type="button" onClick={() => void session.refetch()}>
          Try again
        </button>
      </main>
    );
  }

  const account = session.data;
  if (!account) {
    return (
      <Routes>
        <Route path="/sign-in" element={<AuthScreen mode="sign-in" />} />
        <Route path="/create-account" element={<AuthScreen mode="create-account" />} />
        <Route path="*" element={<Navigate to="/sign-in" replace />} />
      </Routes>
    );
  }
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
