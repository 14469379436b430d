import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOrg, PASSWORD } from '../../../tests/factories/identity.ts';
import { createOpsTestApp } from '../../../tests/setup/ops-test-app.ts';
import { signIn } from '../../../tests/setup/test-app.ts';
import { testEngine } from '../../../tests/setup/test-db.ts';
import { openDb } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { enqueueJob } from '../jobs/job-queue.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOKEN = 'metrics-token-for-tests-0123456789';

describe('GET /metrics', () => {
  it('does not exist without METRICS_TOKEN', async () => {
    const t = await createOpsTestApp();
    cleanups.push(t.close);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('wants the bearer token, then answers Prometheus text with requests, latencies, queue depth and pool', async () => {
    const t = await createOpsTestApp({ metricsToken: TOKEN });
    cleanups.push(t.close);
    const org = await makeOrg(t.db, t.clock);
    await signIn(t.app, org.admin.email, PASSWORD);
    await t.app.inject({ method: 'GET', url: '/api/me' });
    await enqueueJob(t.db.kysely, t, { name: 'nothing.registered', orgId: org.orgId });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const res = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain(
      'outfield_http_requests_total{method="POST",route="/api/auth/login",status="200"} 1',
    );
    expect(res.body).toContain('outfield_http_requests_total{method="GET",route="/api/me",status="401"} 1');
    expect(res.body).toContain(
      'outfield_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/me"',
    );
    expect(res.body).toContain('outfield_jobs{state="queued"} 1');
    expect(res.body).toContain('process_cpu_user_seconds_total');
    if (t.db.engine === 'postgres')
      expect(res.body).toMatch(/outfield_db_pool_connections\{kind="total"\} \d+/);
  });
});

describe.skipIf(testEngine() !== 'postgres')('migrations with several instances starting together', () => {
  it('applies each migration once when two connections migrate one fresh database at the same time', async () => {
    const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `outfield_migrate_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const a = openDb(url.toString(), { poolSize: 2 });
    const b = openDb(url.toString(), { poolSize: 2 });
    cleanups.push(async () => {
      await a.close();
      await b.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    });
    const [ranA, ranB] = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
    const all = [...ranA, ...ranB].sort();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain('0001_foundation');
    expect(all).toContain('0003_ops');
    const rows = await a.kysely
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute();
    expect(rows).toHaveLength(all.length);
  });
});
