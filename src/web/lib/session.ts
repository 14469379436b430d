import { type QueryClient, queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, acceptMe, apiGet, apiPost, setCsrfToken } from './api.ts';
import { clearOffline, loadOffline, saveOffline } from './offline-cache.ts';
import type { Me } from './types.ts';

export const ME_KEY = ['me'] as const;

/**
 * The signed-in session, or null when nobody is signed in (the API answered 401). Without a connection
 * it is the last session seen on this device (so the app shell and the visit outbox work offline); its
 * CSRF token is not kept, and the outbox fetches a fresh one before it sends anything.
 */
export const meQuery = queryOptions({
  queryKey: ME_KEY,
  queryFn: async (): Promise<Me | null> => {
    try {
      const me = acceptMe(await apiGet<Me>('/api/me'));
      saveOffline('me', { ...me, csrfToken: '' });
      return me;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setCsrfToken(null);
        clearOffline();
        return null;
      }
      const offline = error instanceof ApiError && error.status === 0 ? loadOffline<Me>('me') : null;
      if (offline) return offline;
      throw error;
    }
  },
  staleTime: 60_000,
  networkMode: 'offlineFirst',
});

export function useMeQuery() {
  return useQuery(meQuery);
}

/** Stores a fresh `Me` (from login, setup, invitation acceptance or a profile edit) as the session. */
export function storeMe(queryClient: QueryClient, me: Me): void {
  acceptMe(me);
  if (loadOffline<Me>('me')?.user.id !== me.user.id) clearOffline();
  saveOffline('me', { ...me, csrfToken: '' });
  queryClient.setQueryData(ME_KEY, me);
}

/** Signs out on the server (best effort) and forgets everything cached for the old session. */
export async function signOut(queryClient: QueryClient): Promise<void> {
  try {
    await apiPost<void>('/api/auth/logout');
  } catch (error) {
    // A session that is already gone is as signed-out as it gets.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  setCsrfToken(null);
  clearOffline();
  queryClient.clear();
  queryClient.setQueryData(ME_KEY, null);
}

export function useSignOut(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () => signOut(queryClient);
}
