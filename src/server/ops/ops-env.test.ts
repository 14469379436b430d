import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from '../env.ts';
import { opsConfigFromEnv } from './ops-config.ts';

function problemsOf(source: NodeJS.ProcessEnv): string[] {
  try {
    loadEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('loadEnv accepted the environment');
}

describe('operations environment', () => {
  it('fails start-up on a malformed SMTP_URL, naming it without echoing the value', () => {
    for (const bad of ['not a url', 'http://mail.example.com', 'smtp://']) {
      const problems = problemsOf({ SMTP_URL: bad });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^SMTP_URL: must be a URL such as smtp:\/\//);
      expect(problems[0]).toContain('value hidden');
    }
    expect(problemsOf({ SMTP_URL: 'smtp://user:s3cret@:25x' })[0]).not.toContain('s3cret');
  });

  it('accepts smtp and smtps URLs and leaves mail off when unset', () => {
    expect(loadEnv({ SMTP_URL: 'smtps://u:p@smtp.example.com:465' }).SMTP_URL).toBe(
      'smtps://u:p@smtp.example.com:465',
    );
    expect(opsConfigFromEnv(loadEnv({})).smtpUrl).toBeUndefined();
  });

  it('allows loopback webhooks only in tests or when asked to', () => {
    expect(opsConfigFromEnv(loadEnv({ NODE_ENV: 'production' })).webhookAllowLoopback).toBe(false);
    expect(opsConfigFromEnv(loadEnv({ NODE_ENV: 'test' })).webhookAllowLoopback).toBe(true);
    expect(
      opsConfigFromEnv(loadEnv({ NODE_ENV: 'production', WEBHOOK_ALLOW_LOOPBACK: 'true' }))
        .webhookAllowLoopback,
    ).toBe(true);
  });

  it('wants a metrics token of at least 16 characters and reads job settings', () => {
    expect(problemsOf({ METRICS_TOKEN: 'short' })[0]).toMatch(/^METRICS_TOKEN: must be at least 16/);
    const ops = opsConfigFromEnv(loadEnv({ JOBS_ENABLED: 'false', JOB_CONCURRENCY: '8' }));
    expect(ops.jobs).toMatchObject({ enabled: false, concurrency: 8, lockTimeoutMs: 60_000 });
    expect(opsConfigFromEnv(loadEnv({ JOB_LOCK_TIMEOUT_SECONDS: '90' })).jobs.lockTimeoutMs).toBe(90_000);
    expect(problemsOf({ JOB_LOCK_TIMEOUT_SECONDS: '1' })[0]).toMatch(
      /^JOB_LOCK_TIMEOUT_SECONDS: must be at least 5 seconds/,
    );
  });

  it('reads the Idempotency-Key retention in whole hours, 24 by default', () => {
    expect(opsConfigFromEnv(loadEnv({})).idempotencyRetentionMs).toBe(24 * 3_600_000);
    expect(opsConfigFromEnv(loadEnv({ IDEMPOTENCY_RETENTION_HOURS: '48' })).idempotencyRetentionMs).toBe(
      48 * 3_600_000,
    );
    expect(problemsOf({ IDEMPOTENCY_RETENTION_HOURS: '0' })[0]).toMatch(
      /^IDEMPOTENCY_RETENTION_HOURS: must be at least 1 hour/,
    );
    expect(problemsOf({ IDEMPOTENCY_RETENTION_HOURS: '1.5' })[0]).toMatch(/whole number of hours/);
  });
});
