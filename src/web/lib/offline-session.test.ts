import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from './api.ts';
import { clearOffline, loadOffline, saveOffline } from './offline-cache.ts';
import { meQuery, signOut } from './session.ts';
import type { Me } from './types.ts';

/** A Map-backed localStorage (Node has none). */
function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, String(v)),
    removeItem: (k) => void data.delete(k),
    clear: () => data.clear(),
  };
}

const me = {
  user: { id: 'u1', name: 'Rep One', email: 'rep@example.test' },
  org: { id: 'o1', name: 'Org' },
  role: 'rep',
  teams: [],
  csrfToken: 'secret-csrf',
} as unknown as Me;

const runMe = () => (meQuery.queryFn as () => Promise<Me | null>)();

beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage());
});
afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe('the session offline', () => {
  it('keeps the last session without its CSRF token and uses it only when the server cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockResolvedValue(Response.json(me)));
    expect(await runMe()).toMatchObject({ csrfToken: 'secret-csrf' });
    expect(loadOffline<Me>('me')).toMatchObject({ user: { id: 'u1' }, csrfToken: '' });

    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockRejectedValue(new TypeError('Failed to fetch')));
    expect(await runMe()).toMatchObject({ user: { id: 'u1' }, csrfToken: '' });
  });

  it('fails as before on a network error when nothing is kept, and forgets everything on a 401', async () => {
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockRejectedValue(new TypeError('Failed to fetch')));
    await expect(runMe()).rejects.toMatchObject({ status: 0 });

    saveOffline('me', me);
    saveOffline('plannedAccounts:u1', { items: [] });
    localStorage.setItem('outfield.openVisit:u1', '{}');
    vi.stubGlobal(
      'fetch',
      vi
        .fn<typeof fetch>()
        .mockResolvedValue(
          Response.json({ error: { code: 'unauthorized', message: 'Sign in' } }, { status: 401 }),
        ),
    );
    expect(await runMe()).toBeNull();
    expect(loadOffline('me')).toBeNull();
    expect(loadOffline('plannedAccounts:u1')).toBeNull();
    // Only the offline copies go: an open visit is the user's work, not a cache.
    expect(localStorage.getItem('outfield.openVisit:u1')).toBe('{}');
  });

  it('sign-out wipes the copies kept for offline use', async () => {
    saveOffline('me', me);
    saveOffline('plannedAccounts:u1', { items: [1] });
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockResolvedValue(new Response(null, { status: 204 })));
    await signOut(new QueryClient());
    expect(loadOffline('me')).toBeNull();
    expect(loadOffline('plannedAccounts:u1')).toBeNull();
    clearOffline(); // idempotent
  });
});
