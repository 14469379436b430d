import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api.ts';
import {
  backoffMs,
  discardEntry,
  flushOutbox,
  isTransient,
  type OutboxStore,
  openIdbOutbox,
  retryEntry,
  sendOrQueue,
} from './outbox.ts';
import { buildCheckIn, buildCheckOut, buildLogActivity, type VisitOp } from './visit-log.ts';

const USER = 'user-1';
const account = { id: 'acc-1', name: 'Acme Corp' };

/**
 * A stand-in for POST/PATCH /api/crm/activities with the server's rules: a create with a known id and
 * the same content answers the stored entry (stored once), with other content 409; a PATCH of an
 * unknown id 404.
 */
class FakeServer {
  readonly stored = new Map<string, { subject: string; outcome: string | null; checkOut: string | null }>();
  readonly calls: string[] = [];
  /** Errors to throw on the next calls, in order (after the server has or has not stored the op). */
  failures: Array<{ error: ApiError; afterStoring: boolean }> = [];

  send = async (op: VisitOp): Promise<{ id: string }> => {
    const failure = this.failures.shift();
    if (failure && !failure.afterStoring) throw failure.error;
    const id = op.type === 'check-out' ? op.activityId : op.body.id;
    this.calls.push(`${op.type}:${id}`);
    if (op.type === 'check-out') {
      const row = this.stored.get(id);
      if (!row) throw new ApiError(404, 'not_found', 'Activity not found', [], null);
      row.outcome = op.body.outcome;
      row.checkOut = op.body.checkOut.at;
    } else {
      const existing = this.stored.get(id);
      if (existing && existing.subject !== op.body.subject)
        throw new ApiError(409, 'conflict', 'Another entry already has this id', [], null);
      if (!existing)
        this.stored.set(id, {
          subject: op.body.subject,
          outcome: op.type === 'log' ? op.body.outcome : null,
          checkOut: null,
        });
    }
    if (failure) throw failure.error;
    return { id };
  };
}

const networkError = () => new ApiError(0, 'network_error', 'Cannot reach the server.', [], null);
const serverError = () => new ApiError(503, 'unavailable', 'Service unavailable', [], null);

let store: OutboxStore;
let server: FakeServer;
let clock: number;
const now = () => clock;

async function queue(op: VisitOp) {
  const result = await sendOrQueue({ store, userId: USER, op, post: server.send, online: false, now });
  if (result.status !== 'queued') throw new Error('expected the op to be queued');
  return result.entry;
}

beforeEach(async () => {
  // A fresh IndexedDB (fake-indexeddb) for every test: the real store, not a stand-in.
  globalThis.indexedDB = new IDBFactory();
  store = await openIdbOutbox();
  server = new FakeServer();
  clock = 1_000_000;
});

describe('sendOrQueue', () => {
  it('sends at once when online and nothing waits', async () => {
    const op = buildCheckIn(account, null, new Date());
    const result = await sendOrQueue({ store, userId: USER, op, post: server.send, online: true, now });
    expect(result.status).toBe('sent');
    expect(await store.list(USER)).toEqual([]);
    expect(server.stored.size).toBe(1);
  });

  it('queues offline, marked as made offline, without calling the server', async () => {
    const op = buildCheckIn(account, null, new Date());
    const entry = await queue(op);
    expect(server.calls).toEqual([]);
    expect(entry.op.type === 'check-in' && entry.op.body.source).toBe('offline');
    expect(entry.label).toBe('Visit: Acme Corp');
    expect((await store.list(USER)).map((e) => e.seq)).toEqual([entry.seq]);
  });

  it('queues when the request fails on the way (network error or 5xx) and rethrows a 4xx', async () => {
    server.failures.push({ error: networkError(), afterStoring: false });
    const first = await sendOrQueue({
      store,
      userId: USER,
      op: buildCheckIn(account, null, new Date()),
      post: server.send,
      online: true,
      now,
    });
    expect(first.status).toBe('queued');

    await store.remove((await store.list(USER))[0]!.seq);
    server.failures.push({
      error: new ApiError(400, 'invalid_input', 'Invalid input', [], null),
      afterStoring: false,
    });
    await expect(
      sendOrQueue({
        store,
        userId: USER,
        op: buildCheckIn(account, null, new Date()),
        post: server.send,
        online: true,
        now,
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(await store.list(USER)).toEqual([]);
  });

  it('queues behind ops that are still waiting, even when online, to keep their order', async () => {
    const checkIn = buildCheckIn(account, null, new Date());
    await queue(checkIn);
    const result = await sendOrQueue({
      store,
      userId: USER,
      op: buildCheckOut(checkIn.body.id, 'Ordered', null, new Date()),
      post: server.send,
      online: true,
      now,
    });
    expect(result.status).toBe('queued');
    expect(server.calls).toEqual([]);
  });

  it("keeps each user's queue apart", async () => {
    await queue(buildCheckIn(account, null, new Date()));
    expect(await store.list('someone-else')).toEqual([]);
    expect(await flushOutbox(store, 'someone-else', server.send, { now })).toEqual({
      sent: 0,
      conflicts: 0,
      waiting: 0,
    });
    expect(server.calls).toEqual([]);
  });
});

describe('flushOutbox', () => {
  it('sends queued ops in the order they were made and empties the queue', async () => {
    const a = buildCheckIn(account, null, new Date());
    const b = buildCheckIn({ id: 'acc-2', name: 'Beta Ltd' }, null, new Date());
    await queue(a);
    await queue(buildCheckOut(a.body.id, 'Ordered 12 cases', null, new Date()));
    await queue(b);
    await queue(buildCheckOut(b.body.id, '', null, new Date()));

    expect(await flushOutbox(store, USER, server.send, { now })).toEqual({
      sent: 4,
      conflicts: 0,
      waiting: 0,
    });
    expect(server.calls).toEqual([
      `check-in:${a.body.id}`,
      `check-out:${a.body.id}`,
      `check-in:${b.body.id}`,
      `check-out:${b.body.id}`,
    ]);
    expect(server.stored.get(a.body.id)?.outcome).toBe('Ordered 12 cases');
    expect(server.stored.get(b.body.id)?.checkOut).not.toBeNull();
    expect(await store.list(USER)).toEqual([]);
  });

  it('stops at a transient failure, keeps the order, and retries after the backoff', async () => {
    const a = buildCheckIn(account, null, new Date());
    await queue(a);
    await queue(buildCheckOut(a.body.id, 'Done', null, new Date()));
    server.failures.push({ error: serverError(), afterStoring: false });

    expect(await flushOutbox(store, USER, server.send, { now })).toEqual({
      sent: 0,
      conflicts: 0,
      waiting: 2,
    });
    const [first] = await store.list(USER);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: clock + backoffMs(1) });
    expect(first?.lastError).toMatchObject({ status: 503 });

    // Within the backoff nothing is sent; once it has passed, everything goes in order.
    expect(await flushOutbox(store, USER, server.send, { now })).toMatchObject({ sent: 0, waiting: 2 });
    expect(server.calls).toEqual([]);
    clock += backoffMs(1);
    expect(await flushOutbox(store, USER, server.send, { now })).toEqual({
      sent: 2,
      conflicts: 0,
      waiting: 0,
    });
    expect(server.calls).toEqual([`check-in:${a.body.id}`, `check-out:${a.body.id}`]);
  });

  it('tries at once when the browser is back online (ignoreBackoff)', async () => {
    await queue(buildCheckIn(account, null, new Date()));
    server.failures.push({ error: networkError(), afterStoring: false });
    await flushOutbox(store, USER, server.send, { now });
    expect(await flushOutbox(store, USER, server.send, { now, ignoreBackoff: true })).toMatchObject({
      sent: 1,
    });
  });

  it('backs off exponentially up to five minutes', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffMs(30)).toBe(300_000);
  });

  it('stores an op sent twice once: the answer was lost after the server stored it', async () => {
    const a = buildCheckIn(account, null, new Date());
    await queue(a);
    await queue(buildCheckOut(a.body.id, 'Signed', null, new Date()));
    // The server stores the check-in, then the connection drops before the answer arrives.
    server.failures.push({ error: networkError(), afterStoring: true });
    await flushOutbox(store, USER, server.send, { now });
    expect(server.stored.size).toBe(1);
    expect(await store.list(USER)).toHaveLength(2);

    await flushOutbox(store, USER, server.send, { now, ignoreBackoff: true });
    expect(server.calls).toEqual([
      `check-in:${a.body.id}`,
      `check-in:${a.body.id}`,
      `check-out:${a.body.id}`,
    ]);
    expect(server.stored.size).toBe(1);
    expect(server.stored.get(a.body.id)?.outcome).toBe('Signed');
    expect(await store.list(USER)).toEqual([]);
  });

  it('stores an op sent twice once: the tab died between the answer and removing the op', async () => {
    const op = buildLogActivity(
      { kind: 'call', subject: 'Call Acme', outcome: 'ok', durationMinutes: 5, accountId: account.id },
      new Date(),
    );
    await queue(op);
    const dying: OutboxStore = {
      ...store,
      remove: async () => {
        throw new Error('tab closed');
      },
    };
    await expect(flushOutbox(dying, USER, server.send, { now })).rejects.toThrow('tab closed');
    expect(await store.list(USER)).toHaveLength(1);

    // The next start of the app sends it again: the server answers the stored entry.
    expect(await flushOutbox(store, USER, server.send, { now })).toMatchObject({ sent: 1 });
    expect(server.calls).toEqual([`log:${op.body.id}`, `log:${op.body.id}`]);
    expect(server.stored.size).toBe(1);
    expect(await store.list(USER)).toEqual([]);
  });

  it('keeps a 4xx as a conflict with the message; later ops of that entry wait, others go on', async () => {
    const a = buildCheckIn(account, null, new Date());
    const b = buildCheckIn({ id: 'acc-2', name: 'Beta Ltd' }, null, new Date());
    // Another entry already sits on the server under a's id.
    server.stored.set(a.body.id, { subject: 'Something else', outcome: null, checkOut: null });
    await queue(a);
    await queue(buildCheckOut(a.body.id, 'Done', null, new Date()));
    await queue(b);

    expect(await flushOutbox(store, USER, server.send, { now })).toEqual({
      sent: 1,
      conflicts: 1,
      waiting: 1,
    });
    const left = await store.list(USER);
    expect(left.map((e) => [e.op.type, e.status])).toEqual([
      ['check-in', 'conflict'],
      ['check-out', 'pending'],
    ]);
    expect(left[0]?.lastError).toEqual({
      status: 409,
      code: 'conflict',
      message: 'Another entry already has this id',
    });
    expect(server.stored.has(b.body.id)).toBe(true);

    // Later rounds never drop it and never resend it by themselves.
    clock += 3_600_000;
    expect(await flushOutbox(store, USER, server.send, { now })).toEqual({
      sent: 0,
      conflicts: 1,
      waiting: 1,
    });
    expect(await store.list(USER)).toHaveLength(2);
  });

  it('retry puts a conflict back in the queue; discard removes it with the ops of its entry', async () => {
    const a = buildCheckIn(account, null, new Date());
    server.stored.set(a.body.id, { subject: 'Something else', outcome: null, checkOut: null });
    await queue(a);
    await queue(buildCheckOut(a.body.id, 'Done', null, new Date()));
    const other = buildCheckIn({ id: 'acc-3', name: 'Gamma' }, null, new Date());
    await queue(other);
    await flushOutbox(store, USER, server.send, { now });
    expect(server.stored.has(other.body.id)).toBe(true);
    let [conflict] = await store.list(USER);
    expect(conflict?.status).toBe('conflict');

    // Retry: sent again at the next round (the server still refuses it: a conflict again).
    await retryEntry(store, conflict!);
    expect((await store.list(USER))[0]?.status).toBe('pending');
    await flushOutbox(store, USER, server.send, { now, ignoreBackoff: true });
    [conflict] = await store.list(USER);
    expect(conflict?.status).toBe('conflict');

    expect(await store.list(USER)).toHaveLength(2);
    await discardEntry(store, conflict!);
    expect(await store.list(USER)).toEqual([]);
    expect(server.stored.get(a.body.id)?.subject).toBe('Something else');
  });

  it('treats network errors, 5xx, 408, 429, 401 and a refused CSRF token as transient', () => {
    const err = (status: number, code = 'x') => new ApiError(status, code, 'm', [], null);
    expect([0, 500, 502, 503, 408, 429, 401].map((s) => isTransient(err(s)))).toEqual(Array(7).fill(true));
    expect(isTransient(err(403, 'csrf_failed'))).toBe(true);
    expect([400, 403, 404, 409, 422].map((s) => isTransient(err(s)))).toEqual(Array(5).fill(false));
  });
});
