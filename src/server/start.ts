import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { type ClusterRole, runClustered, workerCount } from './cluster.ts';
import type { AppConfig } from './context.ts';
import { type Db, engineOf, openDb, sqlitePath } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { Env } from './env.ts';
import { systemClock } from './lib/clock.ts';
import { randomSecret } from './lib/secrets.ts';
import { queueMissingRollups } from './modules/metrics/rollups.ts';
import { opsConfigFromEnv } from './ops/ops-config.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const webRoot = resolve(projectRoot, 'dist/web');

/** Opens the database (creating the SQLite folder if needed) and applies pending migrations. */
export async function openAndMigrate(url: string): Promise<Db> {
  if (engineOf(url) === 'sqlite') {
    const file = sqlitePath(url);
    if (file !== '' && file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  }
  const db = openDb(url, { onPoolError: reportPoolError });
  await migrateToLatest(db);
  return db;
}

/**
 * SESSION_SECRET from the environment, else the one stored in the database on first run, so every
 * instance sharing the database agrees without configuration.
 */
export async function resolveSessionSecret(db: Db, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  const candidate = randomSecret(48);
  await db.kysely
    .insertInto('app_settings')
    .values({ key: 'session_secret', value: candidate })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.kysely
    .selectFrom('app_settings')
    .select('value')
    .where('key', '=', 'session_secret')
    .executeTakeFirstOrThrow();
  return row.value;
}

export async function configFromEnv(db: Db, env: Env): Promise<AppConfig> {
  return {
    sessionSecret: await resolveSessionSecret(db, env.SESSION_SECRET),
    sessionIdleMs: env.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: env.SESSION_ABSOLUTE_HOURS * 3_600_000,
    publicUrl: env.PUBLIC_URL,
    loginLimits: { perAccount: 10, perIp: 50, windowMs: 15 * 60_000 },
    webRoot,
    mapTileUrl: env.MAP_TILE_URL,
    mapTileAttribution: env.MAP_TILE_ATTRIBUTION,
  };
}

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  /** The port this process listens on (PORT=0 picks a free one). */
  port: number;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Start-up work that must happen once (migrations, queueing missing rollups). Default true; a
   * cluster worker passes false because the primary did it before forking.
   */
  startupTasks?: boolean;
  /** Run the job runner here (still only when JOBS_ENABLED). Default true; one cluster worker does. */
  runJobs?: boolean;
}

/**
 * Migrates, builds the app and listens. close() shuts down gracefully: the job runner stops
 * claiming, in-flight jobs and requests finish (idle keep-alive connections are dropped), then the
 * database closes.
 */
export async function startServer(env: Env, options: StartOptions = {}): Promise<RunningServer> {
  const startupTasks = options.startupTasks ?? true;
  const db = startupTasks ? await openAndMigrate(env.DATABASE_URL) : openServingDb(env.DATABASE_URL);
  const config = await configFromEnv(db, env);
  const app = await buildApp({
    db,
    config,
    logger: {
      level: env.LOG_LEVEL,
      redact: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
    },
    trustProxy: env.TRUST_PROXY,
    ops: opsConfigFromEnv(env),
  });
  await app.listen({ port: env.PORT, host: env.HOST });
  // Orgs whose metric rollups are missing or stale (created before rollups, restored from an older
  // backup) get a rebuild job; until it runs their numbers come from raw rows.
  if (startupTasks) await queueMissingRollups(db.kysely, { clock: systemClock });
  // Background jobs start once the instance serves; JOBS_ENABLED=false keeps an instance web-only.
  if (env.JOBS_ENABLED && (options.runJobs ?? true)) app.jobs.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  return {
    app,
    db,
    url: serverUrl(env, port),
    port,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** The address users reach: PUBLIC_URL, else the listening host and port. */
export function serverUrl(env: Env, port: number): string {
  return env.PUBLIC_URL ?? `http://${env.HOST === '0.0.0.0' ? 'localhost' : env.HOST}:${port}`;
}

/** A cluster worker's database: opened like openAndMigrate's, without migrating (the primary did). */
function openServingDb(url: string): Db {
  return openDb(url, { onPoolError: reportPoolError });
}

function reportPoolError(error: Error): void {
  process.stderr.write(
    `${JSON.stringify({ level: 40, time: Date.now(), msg: 'a database connection dropped; the pool reconnects', err: error.message })}\n`,
  );
}

/**
 * The cluster primary's start-up work, once before forking workers: migrations, the session secret
 * (so workers agree without racing to create it) and queueing rollup rebuilds.
 */
export async function prepareCluster(env: Env): Promise<void> {
  const db = await openAndMigrate(env.DATABASE_URL);
  try {
    await resolveSessionSecret(db, env.SESSION_SECRET);
    await queueMissingRollups(db.kysely, { clock: systemClock });
  } finally {
    await db.close();
  }
}

/**
 * Production serving with OUTFIELD_WORKERS: one process (default), or a primary and n workers
 * (src/server/cluster.ts). Stops gracefully on SIGTERM/SIGINT. `onReady` runs in the process that
 * reports (the single process, or the primary once every worker listens); `serve` gives the single
 * process or a worker its RunningServer.
 */
export async function serveFromEnv(
  env: Env,
  hooks: { onReady?(url: string): void; serve?(server: RunningServer): void } = {},
): Promise<ClusterRole> {
  return runClustered({
    workers: workerCount(env.OUTFIELD_WORKERS),
    prepare: () => prepareCluster(env),
    async serve(options) {
      const server = await startServer(env, options);
      hooks.serve?.(server);
      return server;
    },
    onReady: (port) => hooks.onReady?.(serverUrl(env, port)),
  });
}
