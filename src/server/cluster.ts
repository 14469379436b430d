import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { installPrimaryRelay } from './cluster-ipc.ts';

/**
 * Optional multi-process serving (OUTFIELD_WORKERS, see docs/decisions/006-multi-process-server.md).
 * One Node process runs JavaScript on one core; with `OUTFIELD_WORKERS=n` (or `auto` = the CPUs
 * available) a primary process forks n workers that each build the app and listen on the same port
 * (node:cluster hands connections to them in turn). The primary serves nothing itself: before forking
 * it does the once-per-start work (migrations, the session secret, queueing missing rollups), then it
 * only keeps the workers alive — a worker that dies is replaced, SIGTERM/SIGINT stop every worker
 * gracefully and then the primary. Exactly one worker runs the job runner (role `jobs`; its
 * replacement inherits the role). Everything else a request needs is in the database: sessions,
 * rate limits, idempotency keys, jobs; the per-process read caches check the database's change
 * counter (`PRAGMA data_version`) so a write by any worker is seen by the next read of every other.
 */

/** The role a worker is forked with (environment variable of the worker process). */
export const CLUSTER_ROLE_VAR = 'OUTFIELD_CLUSTER_ROLE';
export type WorkerRole = 'jobs' | 'web';

/** `OUTFIELD_WORKERS`: a whole number ≥ 1, or `auto` for the number of CPUs this process may use. */
export function workerCount(setting: string | number | undefined, cpus = availableParallelism()): number {
  if (setting === undefined || setting === '') return 1;
  if (setting === 'auto') return Math.max(1, cpus);
  const n = typeof setting === 'number' ? setting : Number(setting);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`OUTFIELD_WORKERS must be a whole number ≥ 1 or "auto" (got "${setting}")`);
  return n;
}

export interface ServeOptions {
  /** Whether this process runs the job runner (exactly one process does). */
  runJobs: boolean;
  /**
   * Whether this process does the start-up work that must happen once (migrations, queueing
   * missing rollups): true in a single process; in a cluster the primary did it before forking.
   */
  startupTasks: boolean;
}

export interface Served {
  /** The port this process listens on. */
  port: number;
  /** Graceful stop: stop claiming jobs, finish requests in flight, close the database. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  workers: number;
  /** Primary only, before the first fork: migrations, session secret, queueing missing rollups. */
  prepare(): Promise<void>;
  /** In a worker (or the single process): build the app, listen, start jobs when told to. */
  serve(options: ServeOptions): Promise<Served>;
  /** Once serving: in the single process after `serve`, in the primary once every worker listens. */
  onReady?(port: number): void;
  log?(message: string): void;
  /** First delay before replacing a worker that died (doubles while they keep dying young). */
  restartDelayMs?: number;
}

export type ClusterRole = 'single' | 'primary' | 'worker';

/** Stops the process gracefully on SIGTERM/SIGINT (once; a second signal exits at once). */
function stopOnSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * Runs the server as one process (workers = 1: today's behaviour) or as a primary with `workers`
 * worker processes. Returns this process's role; the processes stay up until a signal stops them.
 */
export async function runClustered(options: ClusterOptions): Promise<ClusterRole> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  if (cluster.isWorker) {
    const role = (process.env[CLUSTER_ROLE_VAR] ?? 'web') as WorkerRole;
    const served = await options.serve({ runJobs: role === 'jobs', startupTasks: false });
    // The primary forwards its SIGTERM/SIGINT as SIGTERM; Ctrl+C in a terminal also reaches us directly.
    stopOnSignal(() => served.close());
    return 'worker';
  }
  if (options.workers <= 1) {
    const served = await options.serve({ runJobs: true, startupTasks: true });
    stopOnSignal(() => served.close());
    options.onReady?.(served.port);
    return 'single';
  }
  await options.prepare();
  await runPrimary(options, log);
  return 'primary';
}

async function runPrimary(options: ClusterOptions, log: (message: string) => void): Promise<void> {
  const baseDelay = options.restartDelayMs ?? 500;
  let shuttingDown = false;
  let ready = false;
  let delay = baseDelay;
  const roles = new Map<Worker, WorkerRole>();
  const startedAt = new Map<Worker, number>();

  const fork = (role: WorkerRole): Worker => {
    const worker = cluster.fork({ [CLUSTER_ROLE_VAR]: role });
    roles.set(worker, role);
    startedAt.set(worker, Date.now());
    return worker;
  };

  let readyResolve!: () => void;
  let readyReject!: (error: Error) => void;
  const allListening = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  let listening = 0;
  let port = 0;
  cluster.on('listening', (_worker, address) => {
    port = address.port;
    listening += 1;
    if (!ready && listening >= options.workers) {
      ready = true;
      readyResolve();
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const role = roles.get(worker) ?? 'web';
    const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
    roles.delete(worker);
    startedAt.delete(worker);
    if (shuttingDown) return;
    if (!ready) {
      // A worker that cannot even start (bad configuration, unreachable database) would fail again.
      readyReject(new Error(`worker ${worker.process.pid} exited during start-up (${signal ?? code})`));
      return;
    }
    // Dying young again and again backs off (up to 30 s) instead of forking in a tight loop.
    delay = lived < 10_000 ? Math.min(delay * 2, 30_000) : baseDelay;
    log(
      JSON.stringify({
        level: 40,
        time: Date.now(),
        msg: `worker ${worker.process.pid} (${role}) exited (${signal ?? `code ${code}`}); replacing it in ${delay} ms`,
      }),
    );
    setTimeout(() => {
      if (!shuttingDown) fork(role);
    }, delay).unref();
  });

  stopOnSignal(async () => {
    shuttingDown = true;
    const alive = [...roles.keys()];
    await Promise.all(
      alive.map(
        (worker) =>
          new Promise<void>((res) => {
            if (worker.isDead()) return res();
            worker.once('exit', () => res());
            // Each worker closes gracefully on SIGTERM (requests and jobs in flight finish).
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  });

  // Metrics scrapes and broadcasts between workers go through the primary (cluster-ipc.ts).
  installPrimaryRelay();
  fork('jobs');
  for (let i = 1; i < options.workers; i++) fork('web');
  try {
    await allListening;
  } catch (error) {
    shuttingDown = true;
    for (const worker of roles.keys()) worker.process.kill('SIGTERM');
    throw error;
  }
  options.onReady?.(port);
}
