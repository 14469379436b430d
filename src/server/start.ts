import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
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
  const db = openDb(url, {
    onPoolError: (error) =>
      process.stderr.write(
        `${JSON.stringify({ level: 40, time: Date.now(), msg: 'a database connection dropped; the pool reconnects', err: error.message })}\n`,
      ),
  });
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
  close(): Promise<void>;
}

/**
 * Migrates, builds the app and listens. close() shuts down gracefully: the job runner stops
 * claiming, in-flight jobs and requests finish (idle keep-alive connections are dropped), then the
 * database closes.
 */
export async function startServer(env: Env): Promise<RunningServer> {
  const db = await openAndMigrate(env.DATABASE_URL);
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
  await queueMissingRollups(db.kysely, { clock: systemClock });
  // Background jobs start once the instance serves; JOBS_ENABLED=false keeps an instance web-only.
  if (env.JOBS_ENABLED) app.jobs.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = env.PUBLIC_URL ?? `http://${env.HOST === '0.0.0.0' ? 'localhost' : env.HOST}:${port}`;
  return {
    app,
    db,
    url,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
