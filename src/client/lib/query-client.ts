import { focusManager, MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiRequestError } from './api-client';
import { setWrapKey } from './session-keys';

/** The signed-in account (or null); lives here so any 401 anywhere can sign the page out. */
export const SESSION_QUERY_KEY = ['session'] as const;

/**
 * TanStack Query counts only a tab becoming visible as focus. Coming back from another window (the tab
 * was visible all along) counts too here, so queries that refresh on focus, like People, do so then.
 */
function listenForFocus(): void {
  focusManager.setEventListener((onFocus) => {
    const listener = () => onFocus();
    window.addEventListener('visibilitychange', listener, false);
    window.addEventListener('focus', listener, false);
    return () => {
      window.removeEventListener('visibilitychange', listener);
      window.removeEventListener('focus', listener);
    };
  });
}

export function createQueryClient(): QueryClient {
  listenForFocus();
  // A 401 from any call means the session ended (expired, or signed out in another tab): show the
  // sign-in screen rather than an error on whatever was on screen.
  const onError = (error: unknown) => {
    if (error instanceof ApiRequestError && error.status === 401 && error.code === 'unauthenticated') {
      setWrapKey(null);
      queryClient.setQueryData(SESSION_QUERY_KEY, null);
    }
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        // A 4xx will not change on retry; a dropped connection may.
        retry: (failures, error) =>
          failures < 2 && !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
      },
    },
  });
  return queryClient;
}
