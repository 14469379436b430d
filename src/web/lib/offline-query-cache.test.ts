import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import {
  isPersistedKey,
  MAX_AGE_MS,
  persistQueryCache,
  restoreSnapshot,
  snapshotOf,
} from './offline-query-cache.ts';

const ME_KEY = ['me'];
const me = (id: string) => ({ user: { id } });

describe('the CRM data kept for offline reading', () => {
  it('keeps CRM reads and the client config, never pickers or other screens', () => {
    expect(isPersistedKey(['crm', 'accounts', 'one', 'a1'])).toBe(true);
    expect(isPersistedKey(['crm', 'accounts', 'list', { q: '' }, 50])).toBe(true);
    expect(isPersistedKey(['config'])).toBe(true);
    expect(isPersistedKey(['crm', 'accounts', 'picker', 'ac'])).toBe(false);
    expect(isPersistedKey(['me'])).toBe(false);
    expect(isPersistedKey(['metrics', 'values'])).toBe(false);
  });

  it('snapshots the kept queries that succeeded and restores them with their load time', () => {
    const source = new QueryClient();
    source.setQueryData(['crm', 'accounts', 'one', 'a1'], { id: 'a1', name: 'Acme' }, { updatedAt: 1000 });
    source.setQueryData(['metrics', 'values'], { secret: true });
    source.setQueryData(ME_KEY, me('u1'));
    const snapshot = snapshotOf(source, 'u1', 5000);
    expect(snapshot.state.queries.map((q) => q.queryKey)).toEqual([['crm', 'accounts', 'one', 'a1']]);

    const target = new QueryClient();
    expect(restoreSnapshot(target, snapshot, 6000)).toBe(true);
    expect(target.getQueryData(['crm', 'accounts', 'one', 'a1'])).toEqual({ id: 'a1', name: 'Acme' });
    expect(target.getQueryState(['crm', 'accounts', 'one', 'a1'])?.dataUpdatedAt).toBe(1000);
    // Kept data is a fallback, never fresh: a screen using it asks the server again at once.
    expect(target.getQueryState(['crm', 'accounts', 'one', 'a1'])?.isInvalidated).toBe(true);
  });

  it('does not restore a snapshot older than the maximum age', () => {
    const source = new QueryClient();
    source.setQueryData(['crm', 'settings'], { visitRadiusMeters: 150 });
    const snapshot = snapshotOf(source, 'u1', 0);
    const target = new QueryClient();
    expect(restoreSnapshot(target, snapshot, MAX_AGE_MS + 1)).toBe(false);
    expect(target.getQueryData(['crm', 'settings'])).toBeUndefined();
  });

  it("drops the restored data from memory when the session turns out to be someone else's or gone", () => {
    const client = new QueryClient();
    client.setQueryData(['crm', 'accounts', 'one', 'a1'], { id: 'a1' });
    client.setQueryData(['metrics', 'values'], { kept: true });
    const stop = persistQueryCache(client, { meKey: ME_KEY, restoredFor: 'u1' });
    client.setQueryData(ME_KEY, me('u1'));
    expect(client.getQueryData(['crm', 'accounts', 'one', 'a1'])).toEqual({ id: 'a1' });
    client.setQueryData(ME_KEY, me('u2'));
    expect(client.getQueryData(['crm', 'accounts', 'one', 'a1'])).toBeUndefined();
    expect(client.getQueryData(['metrics', 'values'])).toEqual({ kept: true });

    client.setQueryData(['crm', 'accounts', 'one', 'b1'], { id: 'b1' });
    client.setQueryData(ME_KEY, null);
    expect(client.getQueryData(['crm', 'accounts', 'one', 'b1'])).toBeUndefined();
    stop();
  });
});
