import type { Deps } from '../context.ts';
import type { Env } from '../env.ts';
import type { Mailer } from './mailer.ts';

/** Settings of the operational features (jobs, email, webhooks, metrics), read from the environment. */
export interface OpsConfig {
  /** smtp:// or smtps:// URL; when absent, no email is sent (logged once). */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Bearer token `GET /metrics` requires; when absent the endpoint answers 404. */
  metricsToken: string | undefined;
  /** Loopback webhook targets are refused in production unless this is set (tests deliver locally). */
  webhookAllowLoopback: boolean;
  webhookTimeoutMs: number;
  /** How long stored Idempotency-Key answers are kept (then purged by the hourly job). */
  idempotencyRetentionMs: number;
  jobs: JobRunnerConfig;
}

export interface JobRunnerConfig {
  /** Whether this instance claims jobs at all (a web-only instance may opt out). */
  enabled: boolean;
  concurrency: number;
  pollIntervalMs: number;
  /**
   * A running job's lock; the runner extends it every third of this while the job runs, so a job
   * whose worker vanished is claimed again after about this long.
   */
  lockTimeoutMs: number;
}

export function defaultOpsConfig(overrides: Partial<OpsConfig> = {}): OpsConfig {
  return {
    smtpUrl: undefined,
    mailFrom: 'Outfield <no-reply@outfield.invalid>',
    metricsToken: undefined,
    webhookAllowLoopback: process.env.NODE_ENV === 'test',
    webhookTimeoutMs: 10_000,
    idempotencyRetentionMs: 24 * 3_600_000,
    ...overrides,
    jobs: {
      enabled: true,
      concurrency: 4,
      pollIntervalMs: 1000,
      lockTimeoutMs: 60_000,
      ...overrides.jobs,
    },
  };
}

export function opsConfigFromEnv(env: Env): OpsConfig {
  return defaultOpsConfig({
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    metricsToken: env.METRICS_TOKEN,
    webhookAllowLoopback: env.NODE_ENV === 'test' || env.WEBHOOK_ALLOW_LOOPBACK,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    idempotencyRetentionMs: env.IDEMPOTENCY_RETENTION_HOURS * 3_600_000,
    jobs: {
      enabled: env.JOBS_ENABLED,
      concurrency: env.JOB_CONCURRENCY,
      pollIntervalMs: 1000,
      lockTimeoutMs: env.JOB_LOCK_TIMEOUT_SECONDS * 1000,
    },
  });
}

/** What job handlers get: the service deps plus the mailer and the ops settings. */
export interface OpsDeps extends Deps {
  ops: OpsConfig;
  mailer: Mailer;
}
