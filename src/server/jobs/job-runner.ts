import { hostname } from 'node:os';
import { newId } from '../lib/ids.ts';
import type { JobRunnerConfig, OpsDeps } from '../ops/ops-config.ts';
import {
  type ClaimedJob,
  claimJobs,
  completeJob,
  type DeadJobHook,
  enqueueJob,
  extendJobLocks,
  failJob,
  pruneFinishedJobs,
  recoverExpiredLocks,
} from './job-queue.ts';
import type { JobRegistry } from './job-registry.ts';

const KEEP_DONE_MS = 7 * 86_400_000;
const MAINTENANCE_EVERY_MS = 60_000;

/**
 * How often a runner pushes the locks of the jobs it runs: a third of the lock timeout, so two
 * heartbeats may be late before another instance takes a job that is still running.
 */
export function heartbeatEveryMs(lockTimeoutMs: number): number {
  return Math.max(10, Math.floor(lockTimeoutMs / 3));
}

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
  let lastRecovery = 0;
  // Expired locks are looked for at least once per lock timeout, so a job whose worker died is
  // taken up again within about two lock timeouts, not at the next minute's maintenance.
  const recoverEveryMs = Math.min(MAINTENANCE_EVERY_MS, config.lockTimeoutMs);
  /** The jobs this runner executes, by id: their locks are kept fresh by the heartbeat. */
  const held = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;

  /**
   * Every job's lock is extended by the lock timeout at a fraction of it from the moment the job is
   * claimed, for as long as it runs, whatever the job does: a long job is never taken for an
   * abandoned one while its worker is alive, and a dead worker's jobs are free one timeout later.
   */
  function beat(): void {
    if (beating || held.size === 0) return;
    const ids = [...held];
    beating = extendJobLocks(deps.db.kysely, workerId, ids, deps.clock.now() + config.lockTimeoutMs)
      .then((kept) => {
        const lost = ids.filter((id) => held.has(id) && !kept.includes(id));
        for (const id of lost) {
          // Finished meanwhile (no longer running) or taken over after the lock expired.
          deps.log.debug({ jobId: id }, 'job lock not extended: the job is no longer held by this worker');
        }
      })
      .catch((error: unknown) =>
        deps.log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'job heartbeat failed',
        ),
      )
      .finally(() => {
        beating = undefined;
      });
  }

  function hold(id: string): void {
    held.add(id);
    if (!heartbeat) {
      heartbeat = setInterval(beat, heartbeatEveryMs(config.lockTimeoutMs));
      heartbeat.unref();
    }
  }

  function release(id: string): void {
    held.delete(id);
    if (held.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  }

  /** The definition's onDead as a queue hook (it gets the validated payload). */
  function deadHook(name: string): DeadJobHook | undefined {
    const definition = registry.get(name);
    const onDead = definition?.onDead;
    if (!definition || !onDead) return undefined;
    return async (trx, dead) => {
      let raw: unknown;
      try {
        raw = JSON.parse(dead.payload);
      } catch {
        return;
      }
      const parsed = definition.schema.safeParse(raw);
      if (!parsed.success) return;
      const job = {
        id: dead.id,
        name: dead.name,
        orgId: dead.org_id,
        attempt: dead.attempts,
        maxAttempts: dead.max_attempts,
      };
      await onDead(trx, { deps, job, lastError: dead.error }, parsed.data);
    };
  }

  function hookFailed(jobId: string, name: string) {
    return (error: unknown) =>
      deps.log.error(
        { jobId, job: name, err: error instanceof Error ? error.message : String(error) },
        'the dead-letter hook of a job failed; the job was dead-lettered without it',
      );
  }

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
        const state = await failJob(
          deps.db,
          job,
          workerId,
          now(),
          message,
          deadHook(job.name),
          hookFailed(job.id, job.name),
        );
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

  async function recover(now: number): Promise<void> {
    lastRecovery = now;
    await recoverExpiredLocks(
      deps.db,
      now,
      (job) => deadHook(job.name),
      (error, job) => hookFailed(job.id, job.name)(error),
    );
  }

  async function maintenance(now: number): Promise<void> {
    await enqueueScheduleSlots(now);
    await recover(now);
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
      hold(job.id);
      const p = execute(job).finally(() => {
        release(job.id);
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
      else if (now - lastRecovery >= recoverEveryMs) await recover(now);
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
      await beating;
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
