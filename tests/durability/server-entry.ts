/**
 * The real server for the durability and load suites, started as a child process: `startServer`'s
 * steps (open + migrate, session secret, buildApp with the environment's settings, listen, start
 * the job runner) without building the web app, and with a short job lock timeout so a job whose
 * worker was killed is claimed again within seconds (production: JOB_LOCK_TIMEOUT_SECONDS, default 60).
 * Prints `READY <port>` once it serves. Env: DATABASE_URL, PORT (0 = any), LOG_LEVEL,
 * OUTFIELD_JOB_LOCK_MS (default 1500), TRUST_PROXY (the load run signs users in from many
 * X-Forwarded-For addresses, as behind a proxy, so the per-address login limit is not what it measures),
 * OUTFIELD_WORKERS (> 1: a node:cluster primary with that many workers, as in production).
 */
import { buildApp } from '../../src/server/app.ts';
import { runClustered, workerCount } from '../../src/server/cluster.ts';
import { openDb } from '../../src/server/db/database.ts';
import { loadEnv } from '../../src/server/env.ts';
import { opsConfigFromEnv } from '../../src/server/ops/ops-config.ts';
import { configFromEnv, openAndMigrate, resolveSessionSecret } from '../../src/server/start.ts';

const env = loadEnv({ LOG_LEVEL: 'warn', ...process.env });

await runClustered({
  workers: workerCount(env.OUTFIELD_WORKERS),
  // Cluster primary (OUTFIELD_WORKERS > 1): migrate and store the session secret once, then fork.
  async prepare() {
    const db = await openAndMigrate(env.DATABASE_URL);
    await resolveSessionSecret(db, env.SESSION_SECRET);
    await db.close();
  },
  async serve({ runJobs, startupTasks }) {
    const db = startupTasks ? await openAndMigrate(env.DATABASE_URL) : openDb(env.DATABASE_URL);
    const config = { ...(await configFromEnv(db, env)), webRoot: undefined };
    const ops = opsConfigFromEnv(env);
    ops.jobs = {
      ...ops.jobs,
      pollIntervalMs: 100,
      lockTimeoutMs: Number(process.env.OUTFIELD_JOB_LOCK_MS ?? 1500),
    };
    const app = await buildApp({
      db,
      config,
      logger: { level: env.LOG_LEVEL },
      ops,
      trustProxy: env.TRUST_PROXY,
    });
    await app.listen({ port: env.PORT, host: '127.0.0.1' });
    if (env.JOBS_ENABLED && runJobs) app.jobs.start();
    const address = app.server.address();
    return {
      port: typeof address === 'object' && address ? address.port : env.PORT,
      async close() {
        await app.close();
        await db.close();
      },
    };
  },
  // The single process, or the primary once every worker listens.
  onReady: (port) => process.stdout.write(`READY ${port}\n`),
});
