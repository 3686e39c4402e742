import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { Alert } from '../components/ui/alert';
import { useSession } from '../features/account/api/get-session';
import { AuthScreen } from '../features/account/components/auth-screen';
import { errorMessage } from '../lib/api-client';
import { createQueryClient } from '../lib/query-client';

// Everything behind sign-in is its own chunk: the first visit (the sign-in page) loads only what it
// shows, and the rest comes while the person types (see SignedOut) or right after the session is known.
const loadSignedIn = () => import('./signed-in-routes');
const SignedInRoutes = lazy(loadSignedIn);

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

  if (session.isPending) return <Loading />;
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
      <SignedOut>
        <Route path="/sign-in" element={<AuthScreen mode="sign-in" />} />
        <Route path="/create-account" element={<AuthScreen mode="create-account" />} />
        <Route path="*" element={<Navigate to="/sign-in" replace />} />
      </SignedOut>
    );
  }
  return (
    <Suspense fallback={<Loading />}>
      <SignedInRoutes account={account} />
    </Suspense>
  );
}

function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

/** The signed-out pages; once they are up and the browser is idle, the signed-in chunk is fetched too. */
function SignedOut({ children }: { children: ReactNode }) {
  useEffect(() => {
    const load = () => void loadSignedIn();
    // Safari has no requestIdleCallback, though the DOM types say every browser does.
    if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(load);
    else setTimeout(load, 200);
  }, []);
  return <Routes>{children}</Routes>;
}
