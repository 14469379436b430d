/**
 * The CRM screens readable offline: the server data they last showed (TanStack Query results under
 * the `crm` and `config` keys) is kept in IndexedDB per user, restored when the app starts, and shown
 * with an "offline — showing data from …" banner while the server cannot be reached. Like
 * `offline-cache.ts` it is wiped on sign-out and on a 401 (through `clearOffline`), and the restored
 * data is dropped from memory as soon as the session turns out to be someone else's or gone.
 */
import {
  type DehydratedState,
  dehydrate,
  hydrate,
  type Query,
  type QueryClient,
  type QueryKey,
} from '@tanstack/react-query';
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

const DB_NAME = 'outfield-query-cache';
/** Data older than this is not restored (it would mislead more than help). */
export const MAX_AGE_MS = 14 * 24 * 3_600_000;
/** A burst of successful reads is written once, this long after the first of them. */
const SAVE_DELAY_MS = 300;

interface Snapshot {
  userId: string;
  savedAt: number;
  state: DehydratedState;
}

interface CacheDb extends DBSchema {
  snapshots: { key: string; value: Snapshot };
}

let opened: Promise<IDBPDatabase<CacheDb>> | null = null;
function db(): Promise<IDBPDatabase<CacheDb>> {
  opened ??= openDB<CacheDb>(DB_NAME, 1, {
    upgrade(database) {
      database.createObjectStore('snapshots', { keyPath: 'userId' });
    },
  });
  return opened;
}

/** Which queries are kept: CRM reads and the client config; never search-as-you-type pickers. */
export function isPersistedKey(key: QueryKey): boolean {
  return (key[0] === 'crm' || key[0] === 'config') && !key.includes('picker');
}

function persistable(query: Query): boolean {
  return query.state.status === 'success' && isPersistedKey(query.queryKey);
}

/** A snapshot of the kept queries that succeeded. */
export function snapshotOf(queryClient: QueryClient, userId: string, now = Date.now()): Snapshot {
  return {
    userId,
    savedAt: now,
    state: dehydrate(queryClient, { shouldDehydrateQuery: persistable }),
  };
}

function online(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

/** Puts a user's last snapshot back into the query cache (queries already loaded keep their data). */
export function restoreSnapshot(
  queryClient: QueryClient,
  snapshot: Snapshot | undefined,
  now = Date.now(),
): boolean {
  if (!snapshot || now - snapshot.savedAt > MAX_AGE_MS) return false;
  hydrate(queryClient, snapshot.state);
  // Online, what was kept is a fallback, never fresh: every restored query asks the server again as
  // soon as a screen uses it. Without this, a reload within the stale time showed the snapshot —
  // possibly older than the last change — as current. Offline the kept data is all there is.
  if (online()) {
    void queryClient.invalidateQueries({ predicate: (q) => isPersistedKey(q.queryKey), refetchType: 'none' });
  }
  return true;
}

/** Restores the user's snapshot from IndexedDB; resolves false when there is none (or no IndexedDB). */
export async function restoreQueryCache(queryClient: QueryClient, userId: string): Promise<boolean> {
  try {
    return restoreSnapshot(queryClient, await (await db()).get('snapshots', userId));
  } catch {
    return false;
  }
}

/** Forgets every kept snapshot (sign-out, a 401, another user on this device). */
export async function clearQueryCache(): Promise<void> {
  try {
    if (typeof indexedDB === 'undefined') return;
    await (await db()).clear('snapshots');
  } catch {
    // No IndexedDB (private mode, tests): nothing was kept either.
  }
}

/**
 * Keeps the snapshot up to date: shortly after any kept query succeeds, the signed-in user's snapshot is
 * rewritten. `restoredFor` is the user whose data was restored at start-up: when the session turns out
 * to be someone else (or nobody), their data leaves memory and IndexedDB at once.
 * Returns the unsubscribe function.
 */
export function persistQueryCache(
  queryClient: QueryClient,
  options: { meKey: QueryKey; restoredFor: string | null },
): () => void {
  let owner = options.restoredFor;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const currentUser = (): string | null =>
    (queryClient.getQueryData(options.meKey) as { user?: { id: string } } | null | undefined)?.user?.id ??
    null;

  async function save(): Promise<void> {
    const userId = currentUser();
    if (!userId || userId !== owner) return;
    try {
      await (await db()).put('snapshots', snapshotOf(queryClient, userId));
    } catch {
      // A full quota: the screens then need the network, as before.
    }
  }

  const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated') return;
    const key = event.query.queryKey;
    if (key[0] === options.meKey[0]) {
      if (event.query.state.status !== 'success') return;
      const userId = currentUser();
      if (owner !== null && userId !== owner) {
        queryClient.removeQueries({ predicate: (query) => isPersistedKey(query.queryKey) });
        void clearQueryCache();
      }
      owner = userId;
      return;
    }
    if (event.action.type !== 'success' || !isPersistedKey(key)) return;
    // Throttled, not debounced: a steady stream of reads must not postpone the write forever.
    timer ??= setTimeout(() => {
      timer = undefined;
      void save();
    }, SAVE_DELAY_MS);
  });
  // Leaving the page (or the tab going to the background) writes what is pending at once.
  const flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    void save();
  };
  const onHidden = () => {
    if (document.visibilityState === 'hidden') flush();
  };
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onHidden);
  }
  return () => {
    clearTimeout(timer);
    unsubscribe();
    if (typeof window !== 'undefined') {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onHidden);
    }
  };
}
