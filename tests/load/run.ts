/**
 * `npm run load [-- options]`: drives the real server (a child process on loopback) with autocannon
 * at benchmark dataset M and prints one line per mix:
 *
 *   LOAD <mix> req/s=<mean> p50=<ms> p99=<ms> errors=<n> non2xx=<n> requests=<n> duration=<s> connections=<n> users=<n> engine=<…> dataset=<…>
 *
 * Mixes: `read` (dashboards: KPI values and leaderboards, CRM lists, the deal board, /api/me) and
 * `rw` (80 % those reads, 20 % writes: visits logged, deal amounts changed). Every request is sent
 * with the session of a user picked at random from the signed-in users (per-user sessions).
 *
 * Options: --mix read|rw|both (default both), --duration <s> (default 30), --connections <n>
 * (default 20), --users <n> signed in (default 100), --dataset S|M|L (default M), --engine
 * sqlite|postgres (default sqlite), --soak (instead of the mixes: the rw mix for --soak-minutes,
 * default 10, sampling the server's RSS and heap; prints growth after a one-minute warm-up),
 * --only <text> (only the reads whose path contains the text: one endpoint's cost), --workers <n|auto>
 * (server processes: OUTFIELD_WORKERS of the child server, default 1; the soak's RSS is then the
 * primary's only).
 *
 * The seeded SQLite dataset is cached under data/load-cache/ keyed by a hash of the seeding code
 * and the migrations (seeding M takes minutes); each run works on a copy. PostgreSQL is seeded
 * fresh each run into a new database under BENCH_POSTGRES_URL (dropped afterwards).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_PASSWORD, type DatasetSize, datasetSizes, seedBench } from '../../src/cli/demo/seed-bench.ts';
import { type Db, openDb } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import { systemClock } from '../../src/server/lib/clock.ts';
import { newId } from '../../src/server/lib/ids.ts';
import { createFreshDb, seedDataset } from '../bench/lib/fresh-db.ts';
import { type ClientSession, login } from '../durability/client.ts';
import { projectRoot, type ServerProcess, startServerProcess } from '../durability/server-process.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next === undefined || next.startsWith('--') ? '' : next;
}
function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const mixArg = arg('mix') ?? 'both';
if (!['read', 'rw', 'both'].includes(mixArg)) throw new Error('--mix must be read, rw or both');
const duration = Number(arg('duration') ?? 30);
const connections = Number(arg('connections') ?? 20);
const userCount = Number(arg('users') ?? 100);
const dataset = (arg('dataset') ?? 'M') as DatasetSize;
if (!(dataset in datasetSizes)) throw new Error('--dataset must be S, M or L');
const engine = arg('engine') ?? 'sqlite';
if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine must be sqlite or postgres');
const soak = arg('soak') !== undefined;
const soakMinutes = Number(arg('soak-minutes') ?? 10);
const workers = arg('workers') ?? '1';

/** The cache key: the seeding code and the migration list. */
function datasetVersion(): string {
  const hash = createHash('sha256');
  for (const file of ['src/cli/demo/seed-bench.ts', 'src/cli/demo/crm-data.ts', 'src/server/db/migrate.ts']) {
    hash.update(readFileSync(join(projectRoot, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

async function prepareSqlite(): Promise<{ url: string; cleanup: () => void }> {
  const dir = join(projectRoot, 'data/load-cache');
  mkdirSync(dir, { recursive: true });
  const cached = join(dir, `bench-${dataset}-${datasetVersion()}.db`);
  if (!existsSync(cached)) {
    log(`seeding dataset ${dataset} into ${cached} (once; later runs reuse it)…`);
    const building = `${cached}.building`;
    for (const s of ['', '-wal', '-shm']) rmSync(`${building}${s}`, { force: true });
    const db = openDb(`sqlite:${building}`);
    await migrateToLatest(db);
    const started = performance.now();
    await seedBench(db, systemClock, dataset, { start() {}, tick() {}, stop() {} });
    db.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    await db.close();
    renameSync(building, cached);
    log(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const work = join(dir, `work-${process.pid}.db`);
  copyFileSync(cached, work);
  return {
    url: `sqlite:${work}`,
    cleanup: () => {
      for (const s of ['', '-wal', '-shm']) rmSync(`${work}${s}`, { force: true });
    },
  };
}

interface User {
  session: ClientSession;
  role: string;
  accountId: string | null;
  dealIds: string[];
}

async function loadUsers(db: Db, serverUrl: string): Promise<User[]> {
  const people = await db.kysely
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['u.id', 'u.email', 'm.role'])
    .where('o.name', '=', `Benchmark ${dataset}`)
    .orderBy('u.email')
    .execute();
  const managers = people.filter((p) => p.role === 'manager').slice(0, Math.ceil(userCount / 10));
  const reps = people.filter((p) => p.role === 'rep').slice(0, userCount - managers.length);
  const users: User[] = [];
  let n = 0;
  for (const p of [...reps, ...managers]) {
    n += 1;
    // Each user signs in from its own address (the server trusts X-Forwarded-For here), so the
    // per-address sign-in limit does not stop the setup.
    const session = await login(serverUrl, p.email, BENCH_PASSWORD, `10.9.${Math.floor(n / 250)}.${n % 250}`);
    const deals = await db.kysely
      .selectFrom('deals')
      .select(['id', 'account_id'])
      .where('owner_id', '=', p.id)
      .where('status', '=', 'open')
      .limit(5)
      .execute();
    users.push({
      session,
      role: p.role,
      accountId: deals[0]?.account_id ?? null,
      dealIds: deals.map((d) => d.id),
    });
  }
  return users;
}

type Req = { method: string; path: string; body?: string };

const reads: [number, (u: User) => Req][] = [
  [10, () => ({ method: 'GET', path: '/api/me' })],
  [12, () => ({ method: 'GET', path: '/api/crm/accounts?limit=50' })],
  [12, () => ({ method: 'GET', path: '/api/crm/deals?limit=50' })],
  [12, () => ({ method: 'GET', path: '/api/crm/activities?limit=50' })],
  [8, () => ({ method: 'GET', path: '/api/crm/deals/board?perStage=20' })],
  [12, () => ({ method: 'GET', path: '/api/metrics/values?metric=revenue_won&scope=me' })],
  [10, () => ({ method: 'GET', path: '/api/metrics/values?metric=visits&scope=team' })],
  [12, () => ({ method: 'GET', path: '/api/metrics/leaderboard?metric=visits&scope=team' })],
  [12, () => ({ method: 'GET', path: '/api/metrics/leaderboard?metric=revenue_won&scope=team' })],
];
const writes: [number, (u: User) => Req][] = [
  [
    1,
    (u) => ({
      method: 'POST',
      path: '/api/crm/activities',
      body: JSON.stringify({ id: newId(), kind: 'visit', subject: 'Load visit', accountId: u.accountId }),
    }),
  ],
  [
    1,
    (u) => ({
      method: 'PATCH',
      path: `/api/crm/deals/${u.dealIds[Math.floor(Math.random() * u.dealIds.length)]}`,
      body: JSON.stringify({ amountMinor: 100_000 + Math.floor(Math.random() * 1_000_000) }),
    }),
  ],
];

function picker(entries: [number, (u: User) => Req][]) {
  const total = entries.reduce((a, [w]) => a + w, 0);
  return (u: User) => {
    let r = Math.random() * total;
    for (const [w, make] of entries) {
      r -= w;
      if (r < 0) return make(u);
    }
    return entries[0]![1](u);
  };
}

/** --only <text>: keep only the reads whose path contains it (to see one endpoint's cost). */
const only = arg('only');

function mixOf(kind: 'read' | 'rw', users: User[]) {
  const sample = users[0]!;
  const read = picker(only ? reads.filter(([, make]) => make(sample).path.includes(only)) : reads);
  const writers = users.filter((u) => u.accountId !== null && u.dealIds.length > 0);
  const write = picker(writes);
  return () => {
    if (kind === 'rw' && Math.random() < 0.2) {
      const u = writers[Math.floor(Math.random() * writers.length)]!;
      return { u, req: write(u) };
    }
    const u = users[Math.floor(Math.random() * users.length)]!;
    return { u, req: read(u) };
  };
}

async function fire(server: ServerProcess, kind: 'read' | 'rw', users: User[], seconds: number) {
  const next = mixOf(kind, users);
  // autocannon's `requests` (per-request setup) is not in the local type shim (tests/bench/lib).
  const options = {
    url: server.url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        setupRequest: (): {
          method: string;
          path: string;
          headers: Record<string, string>;
          body?: string;
        } => {
          const { u, req } = next();
          const headers: Record<string, string> = { cookie: u.session.cookie };
          if (req.method !== 'GET') {
            headers['x-csrf-token'] = u.session.csrfToken;
            headers['content-type'] = 'application/json';
          }
          return { method: req.method, path: req.path, headers, body: req.body };
        },
      },
    ],
  };
  return autocannon(options);
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function heapBytes(server: ServerProcess, token: string): Promise<number> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/**
 * CPU time (user + system, ms) used so far by the server: the process and, with --workers > 1, its
 * worker processes. CPU per request does not depend on how much of the machine others take, unlike
 * requests per second on a shared machine.
 */
function serverCpuMs(pid: number): number {
  const ticks = (p: number) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {}
  // Clock ticks are 10 ms on Linux (USER_HZ = 100).
  return [pid, ...children].reduce((sum, p) => sum + ticks(p), 0) * 10;
}

async function main(): Promise<void> {
  let url: string;
  let cleanup: () => Promise<void> | void;
  if (engine === 'sqlite') {
    ({ url, cleanup } = await prepareSqlite());
  } else {
    log(`seeding dataset ${dataset} into a fresh PostgreSQL database…`);
    const seeded = await seedDataset(await createFreshDb('postgres'), dataset, log);
    url = seeded.url;
    cleanup = () => seeded.drop();
  }
  const metricsToken = `load-${newId()}`;
  const server = await startServerProcess({
    DATABASE_URL: url,
    TRUST_PROXY: 'true',
    METRICS_TOKEN: metricsToken,
    OUTFIELD_WORKERS: workers,
  });
  const db = openDb(url);
  try {
    log(`server up in ${Math.round(server.startupMs)} ms; signing in ${userCount} users…`);
    const users = await loadUsers(db, server.url);
    const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${mb(totalmem())} MB RAM, node ${process.version}`;
    log(`machine: ${machine}`);
    if (soak) {
      log(`soak: rw mix for ${soakMinutes} min, sampling the server's memory every 5 s…`);
      const samples: { t: number; rss: number; heap: number }[] = [];
      const started = Date.now();
      const sampler = setInterval(() => {
        void heapBytes(server, metricsToken)
          .then((heap) => samples.push({ t: (Date.now() - started) / 1000, rss: rssBytes(server.pid), heap }))
          .catch(() => {});
      }, 5_000);
      const result = await fire(server, 'rw', users, soakMinutes * 60);
      clearInterval(sampler);
      const warm = samples.find((s) => s.t >= 60) ?? samples[0]!;
      const last = samples[samples.length - 1]!;
      const maxRss = Math.max(...samples.map((s) => s.rss));
      console.log(
        `SOAK minutes=${soakMinutes} req/s=${result.requests.average.toFixed(0)} p99=${result.latency.p99} errors=${result.errors + result.timeouts} non2xx=${result.non2xx} ` +
          `rss_after_warmup=${mb(warm.rss)}MB rss_end=${mb(last.rss)}MB rss_growth=${mb(last.rss - warm.rss)}MB rss_max=${mb(maxRss)}MB ` +
          `heap_after_warmup=${mb(warm.heap)}MB heap_end=${mb(last.heap)}MB heap_growth=${mb(last.heap - warm.heap)}MB engine=${engine} dataset=${dataset}`,
      );
      for (const s of samples.filter((_, i) => i % 12 === 0))
        log(`  t=${s.t.toFixed(0)}s rss=${mb(s.rss)}MB heap=${mb(s.heap)}MB`);
      return;
    }
    const mixes: ('read' | 'rw')[] = mixArg === 'both' ? ['read', 'rw'] : [mixArg as 'read' | 'rw'];
    for (const kind of mixes) {
      log(`${kind}: warm-up 5 s…`);
      await fire(server, kind, users, 5);
      log(`${kind}: measuring ${duration} s…`);
      const cpuBefore = serverCpuMs(server.pid);
      const r = await fire(server, kind, users, duration);
      const cpuPerRequest = (serverCpuMs(server.pid) - cpuBefore) / Math.max(1, r.requests.total);
      console.log(
        `LOAD ${kind} req/s=${r.requests.average.toFixed(0)} p50=${r.latency.p50}ms p99=${r.latency.p99}ms errors=${r.errors + r.timeouts} ` +
          `non2xx=${r.non2xx} requests=${r.requests.total} duration=${duration}s connections=${connections} users=${users.length} ` +
          `engine=${engine} dataset=${dataset} workers=${workers} server_cpu_ms_per_req=${cpuPerRequest.toFixed(2)} status=${JSON.stringify(Object.fromEntries(Object.entries(r.statusCodeStats).map(([c, s]) => [c, s.count])))}`,
      );
    }
  } finally {
    await db.close();
    await server.stop();
    await cleanup();
  }
}

await main();
