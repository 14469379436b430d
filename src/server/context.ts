import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db/database.ts';
import type { Clock } from './lib/clock.ts';

export interface LoginLimits {
  /** Failed sign-ins allowed per account inside one window before 429. */
  perAccount: number;
  /** Failed sign-ins allowed per client IP inside one window (password spraying). */
  perIp: number;
  windowMs: number;
}

export interface AppConfig {
  sessionSecret: string;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  publicUrl: string | undefined;
  loginLimits: LoginLimits;
  /** Where the built web app lives; absent in API-only tests. */
  webRoot: string | undefined;
  /** Map tile URL template for the web app (MAP_TILE_URL); unset: maps show no tiles. */
  mapTileUrl?: string | undefined;
  /** Attribution shown with the tiles (MAP_TILE_ATTRIBUTION). */
  mapTileAttribution?: string | undefined;
}

/** Everything a service needs, passed explicitly (no globals, no god object with behaviour). */
export interface Deps {
  db: Db;
  clock: Clock;
  config: AppConfig;
  log: FastifyBaseLogger;
}
