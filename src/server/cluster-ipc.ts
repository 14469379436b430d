import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { z } from 'zod';

/**
 * Messages between the workers of one server over node:cluster's IPC channel, relayed by the
 * primary (decision 006). Two uses:
 *
 * - **Prometheus metrics of the whole server**: a worker answering `GET /metrics` asks the primary,
 *   which collects every worker's registry (prom-client's AggregatorRegistry: counters and
 *   histograms summed, per-metric aggregators otherwise) and sends the aggregate back.
 * - **Broadcasts**: a worker sends `{ topic, payload }`; the primary forwards it to every other
 *   worker, where the handlers registered for that topic run (e.g. live import progress).
 *
 * Outside a cluster worker (a single process, tests) nothing is sent: `inClusterWorker()` is false,
 * `broadcast` does nothing and callers keep their single-process behaviour.
 */

const METRICS_REQUEST = 'outfield:metrics-request';
const METRICS_REPLY = 'outfield:metrics-reply';
const BROADCAST = 'outfield:broadcast';

const metricsRequest = z.object({ type: z.literal(METRICS_REQUEST), id: z.number().int() });
const metricsReply = z.object({
  type: z.literal(METRICS_REPLY),
  id: z.number().int(),
  text: z.string().optional(),
  error: z.string().optional(),
});
const broadcastMessage = z.object({
  type: z.literal(BROADCAST),
  topic: z.string().min(1).max(100),
  payload: z.unknown(),
});

/** The part of a node:cluster Worker the relay uses (tests pass fakes). */
export interface RelayPeer {
  send(message: unknown): unknown;
  isConnected(): boolean;
}

/** The primary's side: what a message from `from` causes. Exported for the unit test. */
export async function relayMessage(
  from: RelayPeer,
  message: unknown,
  peers: () => Iterable<RelayPeer>,
  aggregate: () => Promise<string>,
): Promise<void> {
  const request = metricsRequest.safeParse(message);
  if (request.success) {
    const reply = await aggregate().then(
      (text) => ({ type: METRICS_REPLY, id: request.data.id, text }),
      (error: unknown) => ({ type: METRICS_REPLY, id: request.data.id, error: String(error) }),
    );
    if (from.isConnected()) from.send(reply);
    return;
  }
  const broadcast = broadcastMessage.safeParse(message);
  if (broadcast.success) {
    for (const peer of peers()) if (peer !== from && peer.isConnected()) peer.send(broadcast.data);
  }
}

/** Called by the cluster primary before forking: answers metrics requests and relays broadcasts. */
export function installPrimaryRelay(): void {
  const aggregator = new AggregatorRegistry();
  const workers = () => Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  cluster.on('message', (worker, message) => {
    void relayMessage(worker, message, workers, () => aggregator.clusterMetrics());
  });
}

export function inClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** The IPC endpoint of a worker (process by default; tests pass a fake). */
export interface WorkerChannel {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

let channel: WorkerChannel | undefined;
let nextId = 0;
const pending = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
const handlers = new Map<string, ((payload: unknown) => void)[]>();

/** The worker's channel, listening once. `override` is for tests. */
export function workerChannel(override?: WorkerChannel): WorkerChannel | undefined {
  if (override) {
    channel = override;
    listen(override);
  } else if (!channel && inClusterWorker()) {
    channel = process as unknown as WorkerChannel;
    listen(channel);
  }
  return channel;
}

function listen(ch: WorkerChannel): void {
  ch.on('message', (message) => {
    const reply = metricsReply.safeParse(message);
    if (reply.success) {
      const waiting = pending.get(reply.data.id);
      if (!waiting) return;
      pending.delete(reply.data.id);
      if (reply.data.text !== undefined) waiting.resolve(reply.data.text);
      else waiting.reject(new Error(reply.data.error ?? 'no metrics'));
      return;
    }
    const broadcast = broadcastMessage.safeParse(message);
    if (broadcast.success) {
      for (const handler of handlers.get(broadcast.data.topic) ?? []) handler(broadcast.data.payload);
    }
  });
}

/** Asks the primary for every worker's metrics, aggregated (Prometheus text format). */
export function requestClusterMetrics(timeoutMs = 6_000): Promise<string> {
  const ch = workerChannel();
  if (!ch) return Promise.reject(new Error('not a cluster worker'));
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the cluster primary did not answer the metrics request'));
    }, timeoutMs);
    pending.set(id, {
      resolve(text) {
        clearTimeout(timer);
        resolve(text);
      },
      reject(error) {
        clearTimeout(timer);
        reject(error);
      },
    });
    ch.send({ type: METRICS_REQUEST, id });
  });
}

/** Sends `payload` to every other worker's `topic` handlers (nothing outside a cluster worker). */
export function broadcast(topic: string, payload: unknown): void {
  workerChannel()?.send({ type: BROADCAST, topic, payload });
}

/** Runs `handler` for every broadcast of `topic` that another worker sends. */
export function onBroadcast(topic: string, handler: (payload: unknown) => void): void {
  const list = handlers.get(topic) ?? [];
  list.push(handler);
  handlers.set(topic, list);
  workerChannel();
}
