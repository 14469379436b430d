import type { z } from 'zod';
import type { Deps } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { OpsDeps } from '../ops/ops-config.ts';

/** What a handler knows about the job it is running. */
export interface JobInfo {
  id: string;
  name: string;
  orgId: string | null;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

export interface JobContext {
  deps: OpsDeps;
  job: JobInfo;
}

/**
 * A kind of background work, registered by name. The payload is stored as JSON and validated by
 * `schema` when the job runs, so a payload written by an older version fails loudly (and dead-letters)
 * instead of running on garbage. Throwing from `run` means "retry later".
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
  run(ctx: JobContext, payload: z.infer<S>): Promise<void>;
  /** Default for enqueue; each retry waits longer (exponential backoff). */
  maxAttempts?: number;
  /**
   * Runs inside the transaction that moves the job to the dead letters (its last attempt threw, or
   * its worker died during it), so the work's owner records the failure with it, e.g. an import run
   * marked failed. Not called for a payload that does not validate. If it throws, the job is
   * dead-lettered without it (and the error logged).
   */
  onDead?(trx: Executor, ctx: JobHookContext, payload: z.infer<S>): Promise<void>;
  /** Runs inside the transaction of an admin's retry of a dead job (undoes what onDead recorded). */
  onRetry?(trx: Executor, ctx: JobHookContext, payload: z.infer<S>): Promise<void>;
}

/** What onDead / onRetry know: the job (its last error) and the service deps. */
export interface JobHookContext {
  deps: Deps;
  job: JobInfo;
  lastError: string | null;
}

/** A recurring job: one run per time slot, enqueued idempotently by every instance. */
export interface JobSchedule {
  key: string;
  jobName: string;
  /** Slot length; slots are aligned to the Unix epoch (so hourly runs at :00 UTC). */
  everyMs: number;
  payload?: Record<string, unknown>;
}

export interface JobRegistry {
  register<S extends z.ZodType>(definition: JobDefinition<S>): void;
  get(name: string): JobDefinition | undefined;
  names(): string[];
  schedule(schedule: JobSchedule): void;
  schedules(): readonly JobSchedule[];
}

/** Typed helper so a definition's payload type follows from its schema. */
export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export function createJobRegistry(): JobRegistry {
  const definitions = new Map<string, JobDefinition>();
  const schedules: JobSchedule[] = [];
  return {
    register(definition) {
      if (definitions.has(definition.name)) throw new Error(`Job ${definition.name} is registered twice`);
      definitions.set(definition.name, definition as unknown as JobDefinition);
    },
    get(name) {
      return definitions.get(name);
    },
    names() {
      return [...definitions.keys()].sort();
    },
    schedule(schedule) {
      if (schedules.some((s) => s.key === schedule.key)) throw new Error(`Schedule ${schedule.key} twice`);
      schedules.push(schedule);
    },
    schedules() {
      return schedules;
    },
  };
}
