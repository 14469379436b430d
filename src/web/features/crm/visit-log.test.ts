import { describe, expect, it } from 'vitest';
import {
  buildCheckIn,
  buildCheckOut,
  buildLogActivity,
  loadOpenVisit,
  type OpenVisit,
  saveOpenVisit,
} from './visit-log.ts';

const now = new Date('2025-03-10T15:04:05.000Z');

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
    removeItem: (key: string) => void data.delete(key),
  };
}

describe('visit ops', () => {
  it('checks in as a visit to the account with the GPS position and accuracy', () => {
    const op = buildCheckIn(
      { id: 'acc1', name: 'Acme' },
      { lat: 41.1, lng: -87.2, accuracyM: 12 },
      now,
      'id-1',
    );
    expect(op).toEqual({
      type: 'check-in',
      body: {
        id: 'id-1',
        kind: 'visit',
        subject: 'Visit: Acme',
        accountId: 'acc1',
        source: 'online',
        checkIn: { at: now.toISOString(), lat: 41.1, lng: -87.2, accuracyM: 12 },
        occurredAt: now.toISOString(),
      },
    });
  });

  it('checks in without a position when the phone has none (the visit is then unverified)', () => {
    const op = buildCheckIn({ id: 'acc1', name: 'Acme' }, null, now);
    expect(op.body.checkIn).toBeNull();
    expect(op.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives every check-in its own client id, so a retry of the same op is stored once', () => {
    const a = buildCheckIn({ id: 'acc1', name: 'Acme' }, null, now);
    const b = buildCheckIn({ id: 'acc1', name: 'Acme' }, null, now);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('checks out with the trimmed outcome, or none when blank', () => {
    expect(buildCheckOut('v1', '  Ordered 10 cases \n', { lat: 1, lng: 2, accuracyM: 5 }, now)).toEqual({
      type: 'check-out',
      activityId: 'v1',
      body: { outcome: 'Ordered 10 cases', checkOut: { at: now.toISOString(), lat: 1, lng: 2 } },
    });
    expect(buildCheckOut('v1', '   ', null, now).body).toEqual({
      outcome: null,
      checkOut: { at: now.toISOString() },
    });
  });
});

describe('logging another activity', () => {
  it('posts a finished activity with a client id, trimmed text and no blank outcome', () => {
    const op = buildLogActivity(
      { kind: 'call', subject: '  Called the buyer ', outcome: ' ', durationMinutes: 15, accountId: 'a1' },
      now,
      'id-2',
    );
    expect(op).toEqual({
      type: 'log',
      body: {
        id: 'id-2',
        kind: 'call',
        subject: 'Called the buyer',
        outcome: null,
        durationMinutes: 15,
        accountId: 'a1',
        source: 'online',
        occurredAt: now.toISOString(),
      },
    });
  });
});

describe('open visit storage', () => {
  const visit: OpenVisit = {
    activityId: 'v1',
    accountId: 'a1',
    accountName: 'Acme',
    checkedInAt: now.toISOString(),
    verified: true,
    distanceM: 12,
    hadFix: true,
  };

  it('keeps the open visit per user across reloads and forgets it after check-out', () => {
    const storage = memoryStorage();
    saveOpenVisit('u1', visit, storage);
    expect(loadOpenVisit('u1', storage)).toEqual(visit);
    expect(loadOpenVisit('u2', storage)).toBeNull();
    saveOpenVisit('u1', null, storage);
    expect(loadOpenVisit('u1', storage)).toBeNull();
  });

  it('ignores a damaged stored value instead of failing', () => {
    const storage = memoryStorage();
    storage.setItem('outfield.openVisit:u1', '{not json');
    expect(loadOpenVisit('u1', storage)).toBeNull();
    storage.setItem('outfield.openVisit:u1', JSON.stringify({ activityId: 1 }));
    expect(loadOpenVisit('u1', storage)).toBeNull();
  });
});
