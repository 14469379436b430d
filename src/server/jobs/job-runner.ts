import { hostname } from 'node:os';
import { newId } from '../lib/ids.ts';
import type { JobRunnerConfig, OpsDeps } from '../ops/ops-config.ts';
import {
  type ClaimedJob,
  claimJobs,
  completeJob,
  enqueueJob,
  failJob,
  pruneFinishedJobs,
  recoverExpiredLocks,
} from './job-queue.ts';
import type { JobRegistry } from './job-registry.ts';

const KEEP_DONE_MS = 7 * 86_400_000;
const MAINTENANCE_EVERY_MS = 60_000;

export interface JobRunner {
  readonly workerId: string;
  readonly registry: JobRegistry;
  /** Starts polling (idempotent). */
  start(): void;
  /** Stops claiming, then waits for the jobs in flight to finish. */
  stop(): Promise<void>;
  /**
   * Enqueues due schedule slots, then claims and runs due jobs until none is left. Tests call it to
   * run the queue deterministically against their fake clock; returns how many jobs ran.
   */
  runDue(): Promise<number>;
  /** Jobs this runner is executing right now. */
  inFlight(): number;
}

/**
 * The background worker of one app instance. Every instance runs one; the database decides who
 * gets which job (see claimJobs), so N instances still run each job once.
 */
export function createJobRunner(deps: OpsDeps, registry: JobRegistry, config: JobRunnerConfig): JobRunner {
  const workerId = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  const running = new Set<Promise<void>>();
  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let lastMaintenance = 0;
  let polling: Promise<void> | undefined;

  async function execute(job: ClaimedJob): Promise<void> {
    const definition = registry.get(job.name);
    const now = () => deps.clock.now();
    try {
      if (!definition) throw new Error(`No handler is registered for job "${job.name}"`);
      const parsed = definition.schema.safeParse(JSON.parse(job.payload));
      if (!parsed.success) {
        // A payload that does not validate will not validate next time either: dead-letter at once.
        job.attempts = job.max_attempts;
        throw new Error(`Invalid payload: ${parsed.error.message}`);
      }
      await definition.run(
        {
          deps,
          job: {
            id: job.id,
            name: job.name,
            orgId: job.org_id,
            attempt: job.attempts,
            maxAttempts: job.max_attempts,
          },
        },
        parsed.data,
      );
      await completeJob(deps.db, job.id, workerId, now());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      try {
        const state = await failJob(deps.db, job, workerId, now(), message);
        deps.log[state === 'dead' ? 'error' : 'warn'](
          { jobId: job.id, job: job.name, attempt: job.attempts, err: message },
          state === 'dead' ? 'job failed for the last time (dead letter)' : 'job failed; will retry',
        );
      } catch (recordError) {
        // The lock expires and recoverExpiredLocks requeues the job; nothing is lost.
        deps.log.warn({ jobId: job.id, err: String(recordError) }, 'could not record a job failure');
      }
    }
  }

  async function enqueueScheduleSlots(now: number): Promise<void> {
    for (const schedule of registry.schedules()) {
      const slot = Math.floor(now / schedule.everyMs);
      await enqueueJob(deps.db.kysely, deps, {
        name: schedule.jobName,
        payload: { ...schedule.payload, slotStart: slot * schedule.everyMs },
        runAt: slot * schedule.everyMs,
        dedupeKey: `schedule:${schedule.key}:${slot}`,
        maxAttempts: 3,
      });
    }
  }

  async function maintenance(now: number): Promise<void> {
    await enqueueScheduleSlots(now);
    await recoverExpiredLocks(deps.db, now);
    if (now - lastMaintenance >= MAINTENANCE_EVERY_MS) {
      lastMaintenance = now;
      await pruneFinishedJobs(deps.db.kysely, now - KEEP_DONE_MS);
    }
  }

  /** Claims what fits into the free slots and starts it; returns how many jobs started. */
  async function claimAndStart(): Promise<{ started: number; done: Promise<void>[] }> {
    const free = config.concurrency - running.size;
    const jobs = await claimJobs(deps.db, workerId, deps.clock.now(), free, config.lockTimeoutMs);
    const done = jobs.map((job) => {
      const p = execute(job).finally(() => {
        running.delete(p);
        // A slot opened: look for more work now rather than after the poll interval.
        if (started && !stopping) schedulePoll(0);
      });
      running.add(p);
      return p;
    });
    return { started: jobs.length, done };
  }

  async function poll(): Promise<void> {
    try {
      const now = deps.clock.now();
      if (now - lastMaintenance >= MAINTENANCE_EVERY_MS || lastMaintenance === 0) await maintenance(now);
      if (!stopping) await claimAndStart();
    } catch (error) {
      // The database may be briefly unreachable (failover, restart): log and keep polling.
      deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'job poll failed');
    }
  }

  function schedulePoll(delay: number): void {
    if (!started || stopping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (polling) return schedulePoll(config.pollIntervalMs);
      polling = poll().finally(() => {
        polling = undefined;
        schedulePoll(config.pollIntervalMs);
      });
    }, delay);
    timer.unref();
  }

  return {
    workerId,
    registry,
    start() {
      if (started) return;
      started = true;
      stopping = false;
      schedulePoll(0);
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await polling;
      await Promise.allSettled([...running]);
      started = false;
    },
    async runDue() {
      let ran = 0;
      await maintenance(deps.clock.now());
      for (;;) {
        const batch = await claimAndStart();
        if (batch.started === 0) {
          if (running.size === 0) return ran;
          await Promise.race(running);
          continue;
        }
        ran += batch.started;
        await Promise.allSettled(batch.done);
      }
    },
    inFlight() {
      return running.size;
    },
  };
}
