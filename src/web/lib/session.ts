import { type QueryClient, queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, acceptMe, apiGet, apiPost, setCsrfToken } from './api.ts';
import type { Me } from './types.ts';

export const ME_KEY = ['me'] as const;

/** The signed-in session, or null when nobody is signed in (the API answered 401). */
export const meQuery = queryOptions({
  queryKey: ME_KEY,
  queryFn: async (): Promise<Me | null> => {
    try {
      return acceptMe(await apiGet<Me>('/api/me'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setCsrfToken(null);
        return null;
      }
      throw error;
    }
  },
  staleTime: 60_000,
});

export function useMeQuery() {
  return useQuery(meQuery);
}

/** Stores a fresh `Me` (from login, setup, invitation acceptance or a profile edit) as the session. */
export function storeMe(queryClient: QueryClient, me: Me): void {
  acceptMe(me);
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
  queryClient.clear();
  queryClient.setQueryData(ME_KEY, null);
}

export function useSignOut(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () => signOut(queryClient);
}
