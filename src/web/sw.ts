/// <reference lib="webworker" />
/**
 * The service worker: keeps the built app shell (index.html, the JS/CSS chunks, icons) in a
 * precache so that the app opens without a connection. Page navigations go to the network first
 * (a new release is never hidden behind an old page) and fall back to the cached index.html; API
 * calls are never handled here — offline data lives in the app (the visit outbox in IndexedDB).
 * Built by vite-plugin-pwa (injectManifest), which fills in `self.__WB_MANIFEST` with the hashed files.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
};

void self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();

// Registered before the precache route, so that "/" and other pages are never answered from the
// cache while the server can be reached.
registerRoute(
  new NavigationRoute(
    async ({ request }) => {
      try {
        return await fetch(request);
      } catch (error) {
        const shell = await matchPrecache('index.html');
        if (shell) return shell;
        throw error;
      }
    },
    { denylist: [/^\/api\//, /^\/healthz/, /^\/readyz/, /^\/metrics/] },
  ),
);

precacheAndRoute(self.__WB_MANIFEST);
