/**
 * The offline outbox of visit and activity writes. `sendVisitOp` queues an op here when the phone is
 * offline or the request fails on the way (network error, 5xx); `flushOutbox` sends the queue in order.
 * Every op carries a client-generated activity id and the server stores a create sent twice once
 * (a check-out PATCH sets the same values again), so an op that reached the server just before the tab
 * died is simply sent again. A 4xx answer is kept as a conflict with the server's message until the
 * user retries or discards it: nothing is dropped silently.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { ApiError } from '../../lib/api.ts';
import type { VisitOp } from './visit-log.ts';

export interface OutboxError {
  status: number;
  code: string;
  message: string;
}

export interface OutboxEntry {
  /** Queue position (IndexedDB auto-increment key): ops are sent in this order. */
  seq: number;
  userId: string;
  op: VisitOp;
  /** What the user sees in the list, e.g. "Visit: Acme Corp". */
  label: string;
  status: 'pending' | 'conflict';
  attempts: number;
  /** Epoch ms before which a failed op is not tried again (backoff). */
  nextAttemptAt: number;
  lastError: OutboxError | null;
  queuedAt: number;
}

export type NewOutboxEntry = Omit<OutboxEntry, 'seq'>;

/** Where the queue lives: IndexedDB in the browser (`openIdbOutbox`), anything equivalent in tests. */
export interface OutboxStore {
  add(entry: NewOutboxEntry): Promise<OutboxEntry>;
  /** The user's entries in queue order. */
  list(userId: string): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  remove(seq: number): Promise<void>;
}

/** The activity an op writes (a check-in and its check-out share it). */
export function opActivityId(op: VisitOp): string {
  return op.type === 'check-out' ? op.activityId : op.body.id;
}

/** Backoff after `attempts` failed tries: 2 s, 4 s, 8 s… capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(5 * 60_000, 2000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Whether a failed send should be tried again later (true) or kept as a conflict for the user (false).
 * Network errors, 5xx, 408 and 429 are passing trouble; 401 (signed out) and a refused CSRF token wait
 * for the next session; any other 4xx is the server saying no — retrying would not change its mind.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  if (error.status === 0 || error.status >= 500) return true;
  if (error.status === 408 || error.status === 429 || error.status === 401) return true;
  return error.status === 403 && error.code.startsWith('csrf');
}

function toOutboxError(error: unknown): OutboxError {
  if (error instanceof ApiError) {
    const fields = error.fields.map((f) => `${f.path}: ${f.message}`).join('; ');
    return {
      status: error.status,
      code: error.code,
      message: fields ? `${error.message} (${fields})` : error.message,
    };
  }
  return { status: 0, code: 'error', message: error instanceof Error ? error.message : String(error) };
}

export interface FlushResult {
  sent: number;
  conflicts: number;
  /** Ops still waiting (transient failure, backoff, or behind an op of the same activity). */
  waiting: number;
}

/**
 * Sends the user's queued ops in order. A 2xx removes the op. A transient failure stops the round
 * (later ops keep their place behind it) and schedules a retry with backoff. A 4xx marks the op as a
 * conflict; later ops of the same activity then wait behind it, ops of other activities go on.
 * `ignoreBackoff` (the browser just came back online) tries at once.
 */
export async function flushOutbox(
  store: OutboxStore,
  userId: string,
  send: (op: VisitOp) => Promise<unknown>,
  options: { now?: () => number; ignoreBackoff?: boolean } = {},
): Promise<FlushResult> {
  const now = options.now ?? Date.now;
  const result: FlushResult = { sent: 0, conflicts: 0, waiting: 0 };
  const blocked = new Set<string>();
  const entries = await store.list(userId);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const activityId = opActivityId(entry.op);
    if (entry.status === 'conflict') {
      blocked.add(activityId);
      result.conflicts += 1;
      continue;
    }
    if (blocked.has(activityId)) {
      result.waiting += 1;
      continue;
    }
    if (!options.ignoreBackoff && entry.nextAttemptAt > now()) {
      result.waiting += entries.length - i;
      break;
    }
    let error: unknown = null;
    try {
      await send(entry.op);
    } catch (caught) {
      error = caught ?? new Error('send failed');
    }
    if (error === null) {
      // Sent: if removing it fails (the tab dies), it is sent again later and stored once.
      await store.remove(entry.seq);
      result.sent += 1;
    } else {
      const attempts = entry.attempts + 1;
      if (isTransient(error)) {
        await store.put({
          ...entry,
          attempts,
          nextAttemptAt: now() + backoffMs(attempts),
          lastError: toOutboxError(error),
        });
        result.waiting += entries.length - i;
        break;
      }
      await store.put({ ...entry, attempts, status: 'conflict', lastError: toOutboxError(error) });
      blocked.add(activityId);
      result.conflicts += 1;
    }
  }
  return result;
}

/** "Retry" on a conflict: back in the queue, to be sent at the next round. */
export async function retryEntry(store: OutboxStore, entry: OutboxEntry): Promise<void> {
  await store.put({ ...entry, status: 'pending', nextAttemptAt: 0 });
}

/** "Discard" on a conflict (after the user confirmed): the op and the later ops of its activity go. */
export async function discardEntry(store: OutboxStore, entry: OutboxEntry): Promise<void> {
  const activityId = opActivityId(entry.op);
  for (const other of await store.list(entry.userId)) {
    if (other.seq >= entry.seq && opActivityId(other.op) === activityId) await store.remove(other.seq);
  }
}

/** An in-memory store with the same semantics as the IndexedDB one (used where IndexedDB is missing). */
export function memoryOutboxStore(): OutboxStore {
  const rows = new Map<number, OutboxEntry>();
  let next = 1;
  return {
    async add(entry) {
      const row = { ...structuredClone(entry), seq: next++ };
      rows.set(row.seq, row);
      return structuredClone(row);
    },
    async list(userId) {
      return [...rows.values()]
        .filter((r) => r.userId === userId)
        .sort((a, b) => a.seq - b.seq)
        .map((r) => structuredClone(r));
    },
    async put(entry) {
      rows.set(entry.seq, structuredClone(entry));
    },
    async remove(seq) {
      rows.delete(seq);
    },
  };
}

interface OutboxDb extends DBSchema {
  ops: { key: number; value: OutboxEntry; indexes: { byUser: [string, number] } };
}

const DB_NAME = 'outfield-outbox';

/** The queue in IndexedDB (`outfield-outbox`, store `ops`, keyed by an auto-increment sequence). */
export async function openIdbOutbox(): Promise<OutboxStore> {
  const db: IDBPDatabase<OutboxDb> = await openDB<OutboxDb>(DB_NAME, 1, {
    upgrade(database) {
      const ops = database.createObjectStore('ops', { keyPath: 'seq', autoIncrement: true });
      ops.createIndex('byUser', ['userId', 'seq']);
    },
  });
  return {
    async add(entry) {
      const seq = await db.add('ops', entry as OutboxEntry);
      return { ...entry, seq };
    },
    async list(userId) {
      return db.getAllFromIndex(
        'ops',
        'byUser',
        IDBKeyRange.bound([userId, Number.NEGATIVE_INFINITY], [userId, Number.POSITIVE_INFINITY]),
      );
    },
    async put(entry) {
      await db.put('ops', entry);
    },
    async remove(seq) {
      await db.delete('ops', seq);
    },
  };
}

/** What the list shows for an op. */
export function opLabel(op: VisitOp): string {
  return op.type === 'check-out' ? 'Check-out' : op.body.subject;
}

/** The op as it is queued: creates made without a connection are marked `source: 'offline'`. */
export function asOfflineOp(op: VisitOp): VisitOp {
  return op.type === 'check-out' ? op : ({ ...op, body: { ...op.body, source: 'offline' } } as VisitOp);
}

export type SendResult<T> = { status: 'sent'; activity: T } | { status: 'queued'; entry: OutboxEntry };

/**
 * Sends `op` now when that is possible and keeps order, else queues it. It is queued when the device
 * is offline, when ops of this user are still waiting (they go first), when an earlier op of the same
 * activity is held as a conflict, or when the request fails on the way (network error or 5xx). Any
 * other error (a 4xx while the user is looking) is thrown, as before the outbox.
 */
export async function sendOrQueue<T>(input: {
  store: OutboxStore;
  userId: string;
  op: VisitOp;
  post: (op: VisitOp) => Promise<T>;
  online: boolean;
  now?: () => number;
}): Promise<SendResult<T>> {
  const { store, userId, op, post } = input;
  const now = input.now ?? Date.now;
  const activityId = opActivityId(op);
  const waiting = await store.list(userId);
  const mustQueue =
    !input.online || waiting.some((e) => e.status === 'pending' || opActivityId(e.op) === activityId);
  if (!mustQueue) {
    try {
      return { status: 'sent', activity: await post(op) };
    } catch (error) {
      if (!(error instanceof ApiError && (error.status === 0 || error.status >= 500))) throw error;
    }
  }
  const queuedOp = asOfflineOp(op);
  const entry = await store.add({
    userId,
    op: queuedOp,
    label: opLabel(queuedOp),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    queuedAt: now(),
  });
  return { status: 'queued', entry };
}
