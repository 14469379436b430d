import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type RegisteredRoute } from '../../src/server/app.ts';
import type { AppConfig } from '../../src/server/context.ts';
import type { Db } from '../../src/server/db/database.ts';
import { type Clock, fakeClock } from '../../src/server/lib/clock.ts';
import { createTestDb, type TestDb } from './test-db.ts';

export interface TestApp {
  app: FastifyInstance & { routeList: RegisteredRoute[] };
  db: Db;
  clock: ReturnType<typeof fakeClock>;
  config: AppConfig;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    sessionSecret: 'test-session-secret-that-is-long-enough-0123456789',
    sessionIdleMs: 30 * 60_000,
    sessionAbsoluteMs: 12 * 3_600_000,
    publicUrl: 'http://outfield.test',
    loginLimits: { perAccount: 10, perIp: 50, windowMs: 15 * 60_000 },
    webRoot: undefined,
    ...overrides,
  };
}

/** The real HTTP app on a fresh real database, with a fake clock the test can move. */
export async function createTestApp(overrides: Partial<AppConfig> = {}, testDb?: TestDb): Promise<TestApp> {
  const tdb = testDb ?? (await createTestDb());
  const clock = fakeClock();
  const config = testConfig(overrides);
  const app = await buildApp({ db: tdb.db, config, clock: clock as Clock });
  await app.ready();
  return {
    app,
    db: tdb.db,
    clock,
    config,
    async close() {
      await app.close();
      await tdb.drop();
    },
  };
}

export interface Session {
  cookie: string;
  csrfToken: string;
  userId: string;
  orgId: string;
}

/** Signs in through the real endpoint and returns what a browser would hold. */
export async function signIn(app: FastifyInstance, email: string, password: string): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed for ${email}: ${res.statusCode} ${res.body}`);
  const setCookie = res.cookies.find((c) => c.name === 'outfield_session');
  if (!setCookie) throw new Error('no session cookie');
  const body = res.json() as { csrfToken: string; user: { id: string }; org: { id: string } };
  return {
    cookie: `outfield_session=${setCookie.value}`,
    csrfToken: body.csrfToken,
    userId: body.user.id,
    orgId: body.org.id,
  };
}

/** app.inject with the session's cookie and CSRF header. */
export function as(app: FastifyInstance, session: Session | null) {
  return (opts: InjectOptions) =>
    app.inject({
      ...opts,
      headers: {
        ...(opts.headers ?? {}),
        ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken } : {}),
      },
    });
}
