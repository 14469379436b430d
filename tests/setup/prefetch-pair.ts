import { buildApp } from '../../src/server/app.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { createTestApp, type Session, type TestApp } from './test-app.ts';
import { createTestDb } from './test-db.ts';

export type PlainApp = Awaited<ReturnType<typeof buildApp>>;

/**
 * The test app on PostgreSQL with every statement it runs logged, and the same app built without
 * route prefetches (`sessionPrefetch: false`) on the same database: the prefetch suites compare the
 * two, answer for answer and statement for statement.
 */
export async function createPrefetchPair(): Promise<{
  t: TestApp;
  plain: PlainApp;
  /** One GET with a session cookie or an API token, and the statements it ran. */
  get(
    app: PlainApp,
    auth: Session | { bearer: string },
    url: string,
  ): Promise<{ status: number; body: string; ran: string[] }>;
  close(): Promise<void>;
}> {
  const statements: string[] = [];
  const t = await createTestApp({}, await createTestDb('postgres', (sql) => statements.push(sql)));
  const plain = await buildApp({
    db: t.db,
    config: t.config,
    clock: t.clock as Clock,
    sessionPrefetch: false,
  });
  await plain.ready();
  return {
    t,
    plain,
    async get(app, auth, url) {
      const from = statements.length;
      const headers = 'bearer' in auth ? { authorization: `Bearer ${auth.bearer}` } : { cookie: auth.cookie };
      const res = await app.inject({ method: 'GET', url, headers });
      return { status: res.statusCode, body: res.body, ran: statements.slice(from) };
    },
    async close() {
      await plain.close();
      await t.close();
    },
  };
}
