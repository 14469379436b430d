import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { ApiError, isUnauthorized } from './lib/api.ts';
import { loadOffline } from './lib/offline-cache.ts';
import { persistQueryCache, restoreQueryCache } from './lib/offline-query-cache.ts';
import { ME_KEY } from './lib/session.ts';
import type { Me } from './lib/types.ts';
import { cssVariablesResolver, theme } from './theme.ts';

function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

/**
 * A 401 from any call means the session ended (expired, signed out elsewhere). Re-checking `/api/me`
 * turns the session into null, and the shell then sends the user to the sign-in page.
 */
function onSessionMaybeGone(error: unknown): void {
  if (isUnauthorized(error) && error.code !== 'invalid_credentials')
    void queryClient.invalidateQueries({ queryKey: ME_KEY });
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (query.queryKey[0] !== ME_KEY[0]) onSessionMaybeGone(error);
    },
  }),
  mutationCache: new MutationCache({ onError: onSessionMaybeGone }),
  defaultOptions: {
    queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 15_000 },
    mutations: { retry: false },
  },
});

// The service worker keeps the app shell for offline use (production builds only: in development
// Vite serves modules that are not in any precache list).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  });
}

// The CRM data last seen by this device's user comes back before the first render, so that the
// account page and the CRM lists open offline (see lib/offline-query-cache.ts).
const lastUserId = loadOffline<Me>('me')?.user.id ?? null;
persistQueryCache(queryClient, { meKey: ME_KEY, restoredFor: lastUserId });
const restored = lastUserId ? restoreQueryCache(queryClient, lastUserId) : Promise.resolve(false);

function render(): void {
  const root = document.getElementById('root');
  if (!root) throw new Error('Missing #root element');
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
        <Notifications position="bottom-right" limit={4} />
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}

// A slow IndexedDB never holds the app back for more than a moment.
void Promise.race([restored, new Promise((resolve) => setTimeout(resolve, 1500))]).then(render);
