import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

// Values of these are never echoed back in an error (they may hold passwords).
const secretVariables = new Set(['SESSION_SECRET', 'SMTP_URL', 'METRICS_TOKEN']);

/** A Leaflet tile template: https:// (the page's CSP allows https images) or a same-origin path. */
function isTileUrl(value: string): boolean {
  if (!['{z}', '{x}', '{y}'].every((part) => value.includes(part))) return false;
  if (value.startsWith('/') && !value.startsWith('//')) return true;
  try {
    return new URL(value.replace(/\{[a-z]\}/g, '0')).protocol === 'https:';
  } catch {
    return false;
  }
}

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite: or postgres://')
    .default('sqlite:./data/outfield.db'),
  /** When absent, generated on first run and stored in the database so every instance shares it. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PUBLIC_URL: z.url('must be an absolute URL such as https://outfield.example.com').optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  /** Set behind a load balancer so client IPs (rate limits) and https come from X-Forwarded-*. */
  TRUST_PROXY: z.stringbool().default(false),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  /** Outgoing mail, e.g. smtps://user:pass@smtp.example.com:465; unset means no email is sent. */
  SMTP_URL: z
    .string()
    .refine(isSmtpUrl, 'must be a URL such as smtp://user:pass@host:587 or smtps://user:pass@host:465')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Outfield <no-reply@outfield.invalid>'),
  /** Bearer token for GET /metrics; the endpoint answers 404 while unset. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Allow webhooks to loopback addresses outside tests (a receiver on the same machine). */
  WEBHOOK_ALLOW_LOOPBACK: z.stringbool().default(false),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
  /** false makes this instance serve HTTP only and claim no background jobs. */
  JOBS_ENABLED: z.stringbool().default(true),
  /**
   * Server processes on this machine: 1 (one process, the default), a number, or `auto` (one per
   * CPU). Above 1 a primary forks workers sharing the port; one of them runs the jobs.
   */
  OUTFIELD_WORKERS: z
    .string()
    .trim()
    .regex(/^(auto|[1-9]\d{0,2})$/, 'must be a number of processes (1-999) or "auto"')
    .default('1'),
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * A running job's lock: its runner extends it every third of this while the job runs, so a job
   * whose instance died is taken up again by another after at most this long (plus one poll).
   */
  JOB_LOCK_TIMEOUT_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(5, 'must be at least 5 seconds')
    .max(3600, 'must be at most 3600 seconds')
    .default(60),
  /**
   * Hours a stored Idempotency-Key answer is kept: a client's retry within this window gets the
   * stored answer; older keys are purged hourly (docs/security.md).
   */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce
    .number()
    .int('must be a whole number of hours')
    .min(1, 'must be at least 1 hour')
    .max(8760, 'must be at most 8760 hours (a year)')
    .default(24),
  /** Where CSV uploads wait for their import job; instances sharing a database must share it. */
  OUTFIELD_IMPORT_DIR: z.string().min(1).optional(),
  /** Largest accepted import upload in bytes (read by the import service; default 50 MB). */
  OUTFIELD_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int('must be a whole number of bytes')
    .positive('must be a positive number of bytes')
    .optional(),
  /** Map tiles for account maps, e.g. https://tile.example.com/{z}/{x}/{y}.png; unset: no tiles fetched. */
  MAP_TILE_URL: z
    .string()
    .refine(isTileUrl, 'must be an https:// URL or a /path containing {z}, {x} and {y}')
    .optional(),
  MAP_TILE_ATTRIBUTION: z.string().max(300).optional(),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and validates the environment once at start-up. Empty strings count as unset so that a
 * blank line in .env does not override a default. Throws EnvError naming every bad variable.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new EnvError(
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.')}: ${issue.message} (${
            secretVariables.has(String(issue.path[0]))
              ? 'value hidden'
              : `got "${cleaned[String(issue.path[0])] ?? ''}"`
          })`,
      ),
    );
  }
  return parsed.data;
}
