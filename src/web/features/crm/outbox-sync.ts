/**
 * The outbox in the running app: one queue per browser (IndexedDB), one sync loop per tab. The loop
 * runs when the app starts, when the browser says it is back online, every 30 seconds, and right
 * after an op is queued. Components read the queue and the online state through `useOutbox`.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { acceptMe, apiGet } from '../../lib/api.ts';
import type { Me } from '../../lib/types.ts';
import type { Activity } from './crm-types.ts';
import {
  discardEntry,
  flushOutbox,
  memoryOutboxStore,
  type OutboxEntry,
  type OutboxStore,
  openIdbOutbox,
  retryEntry,
  type SendResult,
  sendOrQueue,
} from './outbox.ts';
import { postVisitOp, type VisitOp } from './visit-log.ts';

export interface OutboxSnapshot {
  online: boolean;
  entries: readonly OutboxEntry[];
  syncing: boolean;
}

const SYNC_INTERVAL_MS = 30_000;

function browserOnline(): boolean {
  return typeof navigator === 'undefined' ? true : navigator.onLine !== false;
}

let storePromise: Promise<OutboxStore> | null = null;

function outboxStore(): Promise<OutboxStore> {
  storePromise ??= (
    typeof indexedDB === 'undefined' ? Promise.reject(new Error('no IndexedDB')) : openIdbOutbox()
  ).catch(() => memoryOutboxStore());
  return storePromise;
}

let snapshot: OutboxSnapshot = { online: browserOnline(), entries: [], syncing: false };
let currentUser: string | null = null;
const listeners = new Set<() => void>();
const syncedListeners = new Set<() => void>();

function publish(next: Partial<OutboxSnapshot>): void {
  snapshot = { ...snapshot, ...next };
  for (const listener of listeners) listener();
}

async function reload(): Promise<void> {
  const userId = currentUser;
  if (!userId) return publish({ entries: [] });
  const entries = await (await outboxStore()).list(userId);
  if (userId === currentUser) publish({ entries });
}

let running: Promise<void> | null = null;
/** Asked for while a round ran (e.g. an op queued meanwhile): one more round follows it. */
let again = false;

/** One sync round for the signed-in user (never two at once in a tab; a request meanwhile runs one more). */
export function syncOutbox(ignoreBackoff = false): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    const userId = currentUser;
    try {
      if (!userId) return;
      const store = await outboxStore();
      if ((await store.list(userId)).every((e) => e.status === 'conflict')) return;
      publish({ syncing: true });
      // The session may have changed while offline (reloaded page, another sign-in): the queued ops of
      // this user are only sent in this user's session, with its CSRF token.
      const me = acceptMe(await apiGet<Me>('/api/me'));
      if (me.user.id !== userId) return;
      const round = () => flushOutbox(store, userId, postVisitOp, { ignoreBackoff });
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const result = locks ? await locks.request('outfield-outbox', round) : await round();
      if (result.sent > 0) for (const listener of syncedListeners) listener();
    } catch {
      // Offline or the server is down: the next round tries again.
    } finally {
      running = null;
      publish({ syncing: false, online: browserOnline() });
      await reload();
      if (again) {
        again = false;
        void syncOutbox(ignoreBackoff);
      }
    }
  })();
  return running;
}

/**
 * Sends a visit or activity op, or queues it in the outbox (offline, network error, 5xx, or earlier
 * ops still waiting). The one place where logged visits and activities leave the app.
 */
export async function sendVisitOp(op: VisitOp, userId: string): Promise<SendResult<Activity>> {
  const result = await sendOrQueue({
    store: await outboxStore(),
    userId,
    op,
    post: postVisitOp,
    online: browserOnline(),
  });
  if (result.status === 'queued') {
    if (userId === currentUser) await reload();
    void syncOutbox();
  }
  return result;
}

export async function retryOutboxEntry(entry: OutboxEntry): Promise<void> {
  await retryEntry(await outboxStore(), entry);
  await reload();
  await syncOutbox();
}

export async function discardOutboxEntry(entry: OutboxEntry): Promise<void> {
  await discardEntry(await outboxStore(), entry);
  await reload();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The queue of the signed-in user and whether the browser is online. */
export function useOutbox(): OutboxSnapshot {
  return useSyncExternalStore(subscribe, () => snapshot);
}

/**
 * Runs the sync loop for `userId` while the signed-in shell is mounted; `onSynced` runs after a round
 * that delivered something (to refresh lists).
 */
export function useOutboxSync(userId: string, onSynced: () => void): void {
  useEffect(() => {
    currentUser = userId;
    syncedListeners.add(onSynced);
    void reload().then(() => syncOutbox());
    const online = () => {
      publish({ online: true });
      void syncOutbox(true);
    };
    const offline = () => publish({ online: false });
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    const timer = window.setInterval(() => void syncOutbox(), SYNC_INTERVAL_MS);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      window.clearInterval(timer);
      syncedListeners.delete(onSynced);
      if (currentUser === userId) currentUser = null;
    };
  }, [userId, onSynced]);
}
