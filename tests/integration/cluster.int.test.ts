import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { type ClientSession, login } from '../durability/client.ts';
import { type ServerProcess, startServerProcess } from '../durability/server-process.ts';
import { makeAccount, makeDeal } from '../factories/crm.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';

/**
 * OUTFIELD_WORKERS=2 (src/server/cluster.ts): the real server as a node:cluster primary with two
 * workers. Every request below goes on a new connection, which the primary hands to the workers in
 * turn; the per-process prefix of x-request-id says which worker answered. A write in one worker
 * (logout, deactivation) must be seen by the very next request in the other — on SQLite that is the
 * coherent read cache watching PRAGMA data_version —, concurrent writes in both must not fail on
 * the database lock, exactly one worker runs the jobs, a killed worker is replaced (a killed jobs
 * worker by a jobs worker) and SIGTERM stops them all.
 */
const METRICS_TOKEN = 'cluster-metrics-token-0123456789abcdef';
let tdb: TestDb;
let server: ServerProcess;
let w: Awaited<ReturnType<typeof makeWorld>>;
const dealsOf = new Map<string, string[]>();

beforeAll(async () => {
  tdb = await createTestDb();
  const clock = fakeClock(Date.now());
  w = await makeWorld(tdb.db, clock);
  for (const user of [w.repA1, w.repA2, w.repB1, w.managerA]) {
    const account = await makeAccount(tdb.db, clock, w.org.orgId, user.id);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await makeDeal(tdb.db, clock, w.org.orgId, user.id, account));
    dealsOf.set(user.id, ids);
  }
  server = await startServerProcess({
    DATABASE_URL: tdb.url,
    OUTFIELD_WORKERS: '2',
    TRUST_PROXY: 'true',
    METRICS_TOKEN,
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await tdb?.drop();
});

/** One request on its own connection; `worker` is the answering process's request-id prefix. */
async function fresh(
  session: ClientSession | null,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; worker: string }> {
  const headers: Record<string, string> = { connection: 'close' };
  if (session) {
    headers.cookie = session.cookie;
    headers['x-csrf-token'] = session.csrfToken;
  }
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
    signal: AbortSignal.timeout(5_000),
  });
  await res.arrayBuffer();
  const worker = (res.headers.get('x-request-id') ?? '').split('-')[0]!;
  return { status: res.status, worker };
}

/** Sends `n` requests one after another; returns their statuses and the set of workers that answered. */
async function sequence(n: number, make: () => Promise<{ status: number; worker: string }>) {
  const statuses: number[] = [];
  const workers = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await make();
    statuses.push(r.status);
    workers.add(r.worker);
  }
  return { statuses, workers };
}

function workerPids(): number[] {
  const children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8');
  return children.split(/\s+/).filter(Boolean).map(Number);
}

function roleOf(pid: number): string | undefined {
  let environ: string[];
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return undefined; // gone meanwhile
  }
  return environ.find((e) => e.startsWith('OUTFIELD_CLUSTER_ROLE='))?.split('=')[1];
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`server with OUTFIELD_WORKERS=2 on ${testEngine()}`, () => {
  it('serves from two worker processes, exactly one of them running the jobs', async () => {
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    expect(pids.map(roleOf).sort()).toEqual(['jobs', 'web']);
    const s = await login(server.url, w.repA1.email, PASSWORD);
    const { statuses, workers } = await sequence(6, () => fresh(s, 'GET', '/api/me'));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(workers.size).toBe(2);
  });

  it('a /metrics scrape answered by either worker counts the requests both workers served', async () => {
    const s = await login(server.url, w.repA1.email, PASSWORD);
    const served = await sequence(8, () => fresh(s, 'GET', '/api/crm/accounts?limit=2'));
    expect(served.statuses).toEqual(Array(8).fill(200));
    expect(served.workers.size).toBe(2);
    const scrape = async () => {
      const res = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}`, connection: 'close' },
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      const worker = (res.headers.get('x-request-id') ?? '').split('-')[0]!;
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith('outfield_http_requests_total{method="GET",route="/api/crm/accounts",status="200"}'),
        );
      const jobs = text.split('\n').filter((l) => l.startsWith('outfield_jobs{'));
      return { status: res.status, worker, count: line ? Number(line.split(' ').pop()) : 0, jobs };
    };
    const scrapes = [await scrape(), await scrape(), await scrape(), await scrape()];
    expect(scrapes.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Both workers answered a scrape, and each reported all 8 requests (4 + 4 across the workers).
    expect(new Set(scrapes.map((r) => r.worker)).size).toBe(2);
    expect(scrapes.map((r) => r.count)).toEqual([8, 8, 8, 8]);
    // The shared queue's gauge is not multiplied by the number of workers: one line per state.
    expect(new Set(scrapes[0]!.jobs.map((l) => l.split(' ')[0])).size).toBe(scrapes[0]!.jobs.length);
    // Still protected by the token.
    const anonymous = await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } });
    expect(anonymous.status).toBe(401);
  });

  it('the live progress of an all-or-nothing import shows whichever worker answers the poll', async () => {
    const s = await login(server.url, w.repA1.email, PASSWORD);
    const header = '"Account ID","Account Name","Type","Billing City","Billing Country","Account Owner"\n';
    const rows = Array.from(
      { length: 50_000 },
      (_, i) =>
        `"0015g0000CL${String(i).padStart(6, '0')}","Cluster Co ${i}","Prospect","Chicago","United States","${w.repA1.email}"`,
    );
    const headers = { cookie: s.cookie, 'x-csrf-token': s.csrfToken, connection: 'close' };
    const up = await fetch(`${server.url}/api/crm/imports?entity=accounts&fileName=big.csv`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: header + rows.join('\n'),
    });
    expect(up.status, await up.clone().text()).toBe(201);
    const runId = ((await up.json()) as { id: string }).id;
    const start = await fetch(`${server.url}/api/crm/imports/${runId}/start`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ preset: 'salesforce', mode: 'all-or-nothing' }),
    });
    expect(start.status, await start.clone().text()).toBe(202);
    // Polls on new connections every 25 ms without waiting for each other (both workers in turn).
    // The jobs worker hardly answers while it imports (its event loop is busy with the batches), so
    // the answers showing live progress mid-run come from the web worker: without the relay it
    // could show only what is stored, 0 rows until the end.
    const seen: { state: string; processedRows: number }[] = [];
    let finished = false;
    const poll = async () => {
      const res = await fetch(`${server.url}/api/crm/imports/${runId}`, {
        headers: { cookie: s.cookie, connection: 'close' },
        signal: AbortSignal.timeout(30_000),
      });
      const run = (await res.json()) as { state: string; processedRows: number };
      seen.push(run);
      if (run.state === 'done' || run.state === 'failed') finished = true;
    };
    const polls: Promise<void>[] = [];
    const end = Date.now() + 60_000;
    while (!finished && Date.now() < end) {
      polls.push(poll());
      await new Promise((r) => setTimeout(r, 25));
    }
    await Promise.all(polls);
    expect(seen.at(-1)?.state).toBe('done');
    const summary = seen.map((r) => `${r.state}:${r.processedRows}`).join(' ');
    expect(
      seen.some((r) => r.state === 'running' && r.processedRows > 0 && r.processedRows < 50_000),
      summary,
    ).toBe(true);
  }, 90_000);

  it('a logout in one worker is a 401 in every worker at once', async () => {
    const s = await login(server.url, w.repA2.email, PASSWORD);
    // Both workers have read (and cached) the session.
    const warm = await sequence(4, () => fresh(s, 'GET', '/api/me'));
    expect(warm.statuses).toEqual([200, 200, 200, 200]);
    expect(warm.workers.size).toBe(2);
    expect((await fresh(s, 'POST', '/api/auth/logout')).status).toBe(204);
    const after = await sequence(4, () => fresh(s, 'GET', '/api/me'));
    expect(after.statuses).toEqual([401, 401, 401, 401]);
    expect(after.workers.size).toBe(2);
  });

  it('a deactivation in one worker is a 401 for that user in every worker at once', async () => {
    const admin = await login(server.url, w.org.admin.email, PASSWORD);
    const rep = await login(server.url, w.repB1.email, PASSWORD);
    const warm = await sequence(4, () => fresh(rep, 'GET', '/api/crm/deals?limit=5'));
    expect(warm.statuses).toEqual([200, 200, 200, 200]);
    expect((await fresh(admin, 'PATCH', `/api/users/${w.repB1.id}`, { active: false })).status).toBe(200);
    const after = await sequence(4, () => fresh(rep, 'GET', '/api/crm/deals?limit=5'));
    expect(after.statuses).toEqual([401, 401, 401, 401]);
    expect(after.workers.size).toBe(2);
  });

  it('takes concurrent writes in both workers without a lock failure, and both see the last one', async () => {
    const manager = await login(server.url, w.managerA.email, PASSWORD);
    const deals = dealsOf.get(w.managerA.id)!;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fresh(manager, 'PATCH', `/api/crm/deals/${deals[i % deals.length]}`, { amountMinor: 10_000 + i }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((a) => a.worker)).size).toBe(2);
    const last = await fresh(manager, 'PATCH', `/api/crm/deals/${deals[0]}`, { amountMinor: 777_000 });
    expect(last.status).toBe(200);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${server.url}/api/crm/deals/${deals[0]}`, {
        headers: { cookie: manager.cookie, connection: 'close' },
      });
      expect(((await res.json()) as { amountMinor: number }).amountMinor).toBe(777_000);
    }
  });

  it('replaces a killed worker (the jobs role with a jobs worker) and keeps serving meanwhile', async () => {
    const before = workerPids();
    const jobsWorker = before.find((pid) => roleOf(pid) === 'jobs')!;
    const s = await login(server.url, w.repA1.email, PASSWORD);
    process.kill(jobsWorker, 'SIGKILL');
    // Once the primary has seen the death (a connection handed to the worker in the instant it died
    // is lost — a node:cluster limit, the client's retry covers it), the other worker serves alone
    // while the replacement starts.
    await until(() => server.stderr().includes(`worker ${jobsWorker} (jobs) exited`));
    const meanwhile = await sequence(3, () => fresh(s, 'GET', '/api/me'));
    expect(meanwhile.statuses).toEqual([200, 200, 200]);
    await until(() => {
      const now = workerPids();
      // Right after fork, before exec, /proc shows the primary's environment (no role yet).
      return now.length === 2 && !now.includes(jobsWorker) && now.every((pid) => roleOf(pid) !== undefined);
    });
    const replaced = workerPids();
    expect(replaced.map(roleOf).sort()).toEqual(['jobs', 'web']);
    // The new worker serves too (once it listens).
    let workers = new Set<string>();
    for (let attempt = 0; attempt < 20 && workers.size < 2; attempt++) {
      const answered = await sequence(4, () => fresh(s, 'GET', '/api/me'));
      expect(answered.statuses).toEqual([200, 200, 200, 200]);
      workers = answered.workers;
      if (workers.size < 2) await new Promise((r) => setTimeout(r, 250));
    }
    expect(workers.size).toBe(2);
  });

  it('stops every worker on SIGTERM', async () => {
    const pids = workerPids();
    await server.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
