import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/server/app.ts';
import { loadEnv } from '../../../src/server/env.ts';
import { SESSION_COOKIE } from '../../../src/server/modules/identity/auth.routes.ts';
import { configFromEnv } from '../../../src/server/start.ts';
import type { BenchContext, Benchmark } from '../lib/benchmark.ts';
import { assertAllOk, fireLoad } from '../lib/http-load.ts';
import { median } from '../lib/stats.ts';

const ROUNDS = 3;
const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 10;

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** Signs in through the real endpoint and returns the `name=value` session cookie. */
async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${email} answered ${res.status}: ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error(`sign-in set no ${SESSION_COOKIE} cookie`);
  return cookie;
}

/**
 * An authenticated GET /api/me through the whole app (cookie session lookup in the database,
 * permission check, org/teams queries, zod response serialisation) against a bare Fastify route
 * returning the same JSON. Throughput in req/s; ratio = bare / ours.
 */
export const benchmark: Benchmark = {
  name: 'api_vs_bare',
  target: 1.6,
  description: 'authenticated GET /api/me on the real app vs the same JSON from a bare Fastify route',
  async run(ctx: BenchContext) {
    // /api/me reads identity only; CRM history would only slow the seeding down.
    const seeded = await ctx.seededDb({ crm: false });
    const config = await configFromEnv(seeded.db, loadEnv({ DATABASE_URL: seeded.url }));
    const ours = await buildApp({ db: seeded.db, config });
    ctx.defer(() => ours.close());
    const oursBase = await listen(ours);

    // A rep: their /api/me includes team membership, the common case.
    const rep = await seeded.db.kysely
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('u.email')
      .where('m.org_id', '=', seeded.orgId)
      .where('m.role', '=', 'rep')
      .orderBy('u.id')
      .executeTakeFirstOrThrow();
    const cookie = await signIn(oursBase, rep.email, seeded.password);
    const me = await fetch(`${oursBase}/api/me`, { headers: { cookie } });
    const body = await me.text();
    if (me.status !== 200) throw new Error(`GET /api/me answered ${me.status}: ${body}`);
    ctx.log(`signed in as ${rep.email}; /api/me is ${body.length} bytes`);

    const parsed: unknown = JSON.parse(body);
    const bare = Fastify();
    bare.get('/api/me', async () => parsed);
    ctx.defer(() => bare.close());
    const bareBase = await listen(bare);

    const sides = {
      ours: { url: `${oursBase}/api/me`, headers: { cookie } },
      bare: { url: `${bareBase}/api/me`, headers: {} },
    };
    const fire = async (side: keyof typeof sides, seconds: number) => {
      const result = await fireLoad({
        ...sides[side],
        seconds,
        connections: CONNECTIONS,
        expectBody: body,
      });
      assertAllOk(side === 'ours' ? 'our GET /api/me' : 'bare route', result);
      return result.reqPerSec;
    };

    ctx.log(`warming up (${WARMUP_SECONDS} s per side)`);
    await fire('ours', WARMUP_SECONDS);
    await fire('bare', WARMUP_SECONDS);

    const oursRuns: number[] = [];
    const bareRuns: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which side goes first so drift (thermal, other load) does not favour one.
      const order = round % 2 === 1 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      for (const side of order) {
        const rps = await fire(side, ROUND_SECONDS);
        (side === 'ours' ? oursRuns : bareRuns).push(rps);
        ctx.log(`round ${round}/${ROUNDS} ${side}: ${rps.toFixed(0)} req/s`);
      }
    }
    return { ours: median(oursRuns), base: median(bareRuns), unit: 'req/s' };
  },
};
