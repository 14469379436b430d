import { clearQueryCache } from './offline-query-cache.ts';

/**
 * What the app needs to open without a connection, kept in localStorage on this device: the signed-in
 * session (without its CSRF token) and, per user, the accounts the visit panel lists. Written on each
 * successful load, read only when the server cannot be reached, and wiped on sign-out. The CRM
 * screens' data lives in IndexedDB (`offline-query-cache.ts`) and is wiped with it.
 */
const PREFIX = 'outfield.offline.';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function saveOffline(key: string, value: unknown): void {
  try {
    storage()?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // A full quota or private mode: the app then simply needs the network to open.
  }
}

export function loadOffline<T>(key: string): T | null {
  try {
    const raw = storage()?.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

/** Forgets everything cached for offline use (sign-out, or the server said the session is gone). */
export function clearOffline(): void {
  void clearQueryCache();
  const s = storage();
  if (!s) return;
  const keys: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const key = s.key(i);
    if (key?.startsWith(PREFIX)) keys.push(key);
  }
  for (const key of keys) s.removeItem(key);
}
