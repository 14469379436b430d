/**
 * The durability run: concurrent keyed writes against the real server in a child process, SIGKILL
 * at random moments, restart, re-send what was not acknowledged (same keys, like a real client),
 * and check the database after every kill and at the end.
 *
 * Writes driven (each carrying an Idempotency-Key): visits (POST /api/crm/activities with a
 * client id), deal updates (PATCH /api/crm/deals/:id: amount + stage, so stage history, credits and
 * audit rows are written together), and CSV imports of accounts (all-or-nothing, run by the job
 * runner; upload and start are re-sent like the web client would). Commission approval does not
 * exist yet: when it lands it takes the same `record` hook (src/server/lib/idempotency.ts) and gets
 * a lane here plus a "ledger balances" check like the deal-credit one below.
 */
import { sql } from 'kysely';
import type { Db } from '../../src/server/db/database.ts';
import { newId } from '../../src/server/lib/ids.ts';
import { type ClientSession, login, NetworkError, send } from './client.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

export interface DurabilityUser {
  email: string;
  password: string;
  accountId: string;
  dealIds: string[];
  /** For the check-in position. */
  lat: number;
  lng: number;
}

export interface DurabilityOptions {
  db: Db;
  iterations: number;
  reps: DurabilityUser[];
  admin: { email: string; password: string };
  pipelineStages: { a: string; b: string };
  importRows: number;
  /** Every how many iterations an import is uploaded and started. */
  importEvery: number;
  log: (line: string) => void;
  /** Milliseconds of writing before the kill: uniform in [min, max). */
  killAfterMs?: { min: number; max: number };
  random?: () => number;
}

export interface DurabilityReport {
  iterations: number;
  kills: number;
  acknowledged: number;
  acknowledgedByKind: Record<string, number>;
  resent: number;
  replayed: number;
  imports: number;
  importsSeenMidway: number;
  /** Imports failed because their job was killed on every attempt (dead letters), retried as an admin would. */
  deadJobsRetried: number;
  startupMs: { median: number; max: number };
  problems: string[];
}

interface KeyedOp {
  kind: 'visit' | 'deal';
  key: string;
  method: string;
  path: string;
  json: unknown;
  /** What the check expects once acknowledged. */
  visitId?: string;
  dealId?: string;
  amountMinor?: number;
}

interface Lane {
  session: ClientSession;
  user: DurabilityUser;
  seq: number;
  pending: KeyedOp | null;
  attemptsOfPending: number;
}

interface ImportState {
  index: number;
  prefix: string;
  csv: string;
  runId: string | null;
  started: boolean;
}

/** Per-lane running numbers; amounts are unique per write so the final state names the last one. */
function nextOp(lane: Lane, laneIndex: number, stages: { a: string; b: string }): KeyedOp {
  lane.seq += 1;
  const n = lane.seq;
  if (n % 2 === 1) {
    const visitId = newId();
    return {
      kind: 'visit',
      key: `dur-v-${laneIndex}-${n}-${visitId}`,
      method: 'POST',
      path: '/api/crm/activities',
      visitId,
      json: {
        id: visitId,
        kind: 'visit',
        subject: `dur visit ${laneIndex}-${n}`,
        accountId: lane.user.accountId,
        checkIn: { lat: lane.user.lat, lng: lane.user.lng, accuracy: 10, at: new Date().toISOString() },
      },
    };
  }
  const dealId = lane.user.dealIds[(n / 2) % lane.user.dealIds.length]!;
  const amountMinor = (laneIndex + 1) * 10_000_000 + n * 100;
  return {
    kind: 'deal',
    key: `dur-d-${laneIndex}-${n}-${newId()}`,
    method: 'PATCH',
    path: `/api/crm/deals/${dealId}`,
    dealId,
    amountMinor,
    json: { amountMinor, stageId: n % 4 === 0 ? stages.a : stages.b },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function runDurability(options: DurabilityOptions): Promise<DurabilityReport> {
  const random = options.random ?? Math.random;
  const killWindow = options.killAfterMs ?? { min: 50, max: 900 };
  const { db, log } = options;
  const problems: string[] = [];
  const acked = new Map<string, KeyedOp>();
  const ackedByKind: Record<string, number> = { visit: 0, deal: 0, 'import.upload': 0, 'import.start': 0 };
  const lastAmount = new Map<string, number>();
  const imports: ImportState[] = [];
  const startups: number[] = [];
  let resent = 0;
  let replayed = 0;
  let kills = 0;
  let importsSeenMidway = 0;
  let deadJobsRetried = 0;
  let finalWaitMs = 0;

  let server: ServerProcess = await startServerProcess({ DATABASE_URL: db.url });
  startups.push(server.startupMs);
  const lanes: Lane[] = [];
  for (const user of options.reps) {
    lanes.push({
      session: await login(server.url, user.email, user.password),
      user,
      seq: 0,
      pending: null,
      attemptsOfPending: 0,
    });
  }
  const admin = await login(server.url, options.admin.email, options.admin.password);

  const fail = (message: string) => {
    if (problems.length < 50) problems.push(message);
  };

  /** One lane: sequential keyed writes until the server goes away. */
  async function runLane(lane: Lane, laneIndex: number, alive: () => boolean): Promise<void> {
    while (alive()) {
      const op = lane.pending ?? nextOp(lane, laneIndex, options.pipelineStages);
      if (lane.pending) {
        resent += 1;
        lane.attemptsOfPending += 1;
      }
      lane.pending = op;
      let answer: Awaited<ReturnType<typeof send>>;
      try {
        answer = await send(server.url, lane.session, op.method, op.path, {
          json: op.json,
          headers: { 'idempotency-key': op.key },
        });
      } catch (error) {
        if (error instanceof NetworkError) return; // unacknowledged: stays pending
        throw error;
      }
      if (answer.status >= 500) return; // not acknowledged either; a client retries
      if (answer.status >= 300) {
        fail(`${op.method} ${op.path} (${op.key}) answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        lane.pending = null;
        continue;
      }
      if (answer.headers.get('idempotent-replayed') === 'true') replayed += 1;
      lane.pending = null;
      lane.attemptsOfPending = 0;
      acked.set(op.key, op);
      ackedByKind[op.kind] = (ackedByKind[op.kind] ?? 0) + 1;
      if (op.kind === 'deal') lastAmount.set(op.dealId!, op.amountMinor!);
    }
  }

  /** The importer: upload (re-uploaded until acknowledged) then start (409 "already …" = stored). */
  async function runImports(alive: () => boolean): Promise<void> {
    for (const imp of imports) {
      if (!alive()) return;
      try {
        if (imp.runId === null) {
          const up = await send(
            server.url,
            admin,
            'POST',
            `/api/crm/imports?entity=accounts&fileName=${imp.prefix}.csv`,
            {
              csv: imp.csv,
            },
          );
          if (up.status >= 500) return;
          if (up.status !== 201) {
            fail(`import upload answered ${up.status}: ${JSON.stringify(up.body)}`);
            continue;
          }
          imp.runId = (up.body as { id: string }).id;
          ackedByKind['import.upload']! += 1;
        }
        if (!imp.started) {
          const start = await send(server.url, admin, 'POST', `/api/crm/imports/${imp.runId}/start`, {
            json: { preset: 'salesforce', mode: 'all-or-nothing' },
          });
          if (start.status >= 500) return;
          // "already failed": the start was stored before a kill and its job then died on every
          // attempt (the final wait retries such dead imports as an admin would).
          const already =
            start.status === 409 && /already (queued|running|done|failed)/.test(JSON.stringify(start.body));
          if (start.status !== 202 && !already) {
            fail(`import start answered ${start.status}: ${JSON.stringify(start.body)}`);
            continue;
          }
          imp.started = true;
          ackedByKind['import.start']! += 1;
        }
      } catch (error) {
        if (error instanceof NetworkError) return;
        throw error;
      }
    }
  }

  async function check(stage: string, final: boolean): Promise<void> {
    const where = `[${stage}]`;
    if (db.engine === 'sqlite') {
      const integrity = db.sqlite!.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') fail(`${where} integrity_check: ${String(integrity)}`);
      const fk = db.sqlite!.pragma('foreign_key_check') as unknown[];
      if (fk.length > 0) fail(`${where} foreign_key_check: ${JSON.stringify(fk.slice(0, 5))}`);
    }
    // One snapshot for all the reads: on PostgreSQL the killed server's last COMMIT may still be
    // landing (its backend outlives it for a moment); reading keys and audit rows at two moments
    // would see half of an atomic write that is in fact whole.
    const snapshot = db.kysely.transaction();
    await (db.engine === 'postgres' ? snapshot.setIsolationLevel('repeatable read') : snapshot).execute(
      async (k) => {
        // Every visit the test wrote has exactly one create audit row; every acknowledged one exists once.
        const visits = await sql<{ id: string; audits: number | string }>`
          select a.id, (select count(*) from audit_log l where l.org_id = a.org_id and l.entity_type = 'activity'
            and l.entity_id = a.id and l.action = 'create') as audits
          from activities a where a.subject like 'dur visit %'`.execute(k);
        const visitIds = new Set<string>();
        for (const v of visits.rows) {
          visitIds.add(v.id);
          if (Number(v.audits) !== 1) fail(`${where} visit ${v.id} has ${v.audits} create audit rows`);
        }
        const keys = await k
          .selectFrom('idempotency_keys')
          .select(['key', 'route', 'response_body'])
          .where('key', 'like', 'dur-%')
          .execute();
        const keySet = new Set(keys.map((r) => r.key));
        for (const op of acked.values()) {
          if (!keySet.has(op.key)) fail(`${where} acknowledged ${op.kind} ${op.key} has no stored key`);
          if (op.kind === 'visit' && !visitIds.has(op.visitId!))
            fail(`${where} acknowledged visit ${op.visitId} is missing`);
        }
        // Visit keys and visit rows go together (a stored key without its visit would be a half write).
        const visitKeys = keys.filter((r) => r.route === 'POST /api/crm/activities');
        for (const r of visitKeys) {
          const id = (JSON.parse(r.response_body) as { id: string }).id;
          if (!visitIds.has(id)) fail(`${where} key ${r.key} stored without its visit ${id}`);
        }
        if (visitKeys.length !== visitIds.size)
          fail(`${where} ${visitIds.size} test visits but ${visitKeys.length} stored visit keys`);
        // Deals: one audit row and one stored key per applied update; stage history = stage audits;
        // the credits (the ledger of who is credited what) add up to the amount.
        const dealKeys = new Map<string, number>();
        for (const r of keys.filter((x) => x.route === 'PATCH /api/crm/deals/:id')) {
          const id = (JSON.parse(r.response_body) as { id: string }).id;
          dealKeys.set(id, (dealKeys.get(id) ?? 0) + 1);
        }
        const dealIds = options.reps.flatMap((r) => r.dealIds);
        const deals = await sql<{
          id: string;
          amount_minor: number | string;
          credits: number | string | null;
          audits: number | string;
          moves: number | string;
          history: number | string;
        }>`
          select d.id, d.amount_minor,
            (select sum(c.credit_minor) from deal_credits c where c.org_id = d.org_id and c.deal_id = d.id) as credits,
            (select count(*) from audit_log l where l.org_id = d.org_id and l.entity_type = 'deal' and l.entity_id = d.id) as audits,
            (select count(*) from audit_log l where l.org_id = d.org_id and l.entity_type = 'deal' and l.entity_id = d.id
              and l.action in ('move', 'won', 'lost')) as moves,
            (select count(*) from deal_stage_history h where h.org_id = d.org_id and h.deal_id = d.id) as history
          from deals d where d.id in (${sql.join(dealIds)})`.execute(k);
        for (const d of deals.rows) {
          if (Number(d.audits) !== (dealKeys.get(d.id) ?? 0))
            fail(
              `${where} deal ${d.id}: ${d.audits} audit rows for ${dealKeys.get(d.id) ?? 0} stored updates`,
            );
          if (Number(d.moves) !== Number(d.history))
            fail(`${where} deal ${d.id}: ${d.moves} stage audits but ${d.history} stage history rows`);
          if (Number(d.credits ?? 0) !== Number(d.amount_minor))
            fail(`${where} deal ${d.id}: credits ${d.credits} do not add up to the amount ${d.amount_minor}`);
          if (final && lastAmount.has(d.id) && Number(d.amount_minor) !== lastAmount.get(d.id))
            fail(
              `${where} deal ${d.id}: amount ${d.amount_minor}, last acknowledged ${lastAmount.get(d.id)}`,
            );
        }
        // Imports: all or nothing, and the import's audit row with it.
        for (const imp of imports) {
          const row = await k
            .selectFrom('accounts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('external_id', 'like', `${imp.prefix}-%`)
            .executeTakeFirstOrThrow();
          const n = Number(row.n);
          if (n !== 0 && n !== options.importRows)
            fail(`${where} import ${imp.prefix}: ${n} of ${options.importRows} rows stored`);
          if (imp.runId) {
            const run = await k
              .selectFrom('import_runs')
              .select('state')
              .where('id', '=', imp.runId)
              .executeTakeFirst();
            const audits = await k
              .selectFrom('audit_log')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('entity_type', '=', 'import')
              .where('entity_id', '=', imp.runId)
              .where('action', '=', 'import')
              .executeTakeFirstOrThrow();
            const expected = n === options.importRows ? 1 : 0;
            if (Number(audits.n) !== expected)
              fail(`${where} import ${imp.prefix}: ${audits.n} audit rows with ${n} rows stored`);
            if ((run?.state === 'done') !== (n === options.importRows))
              fail(`${where} import ${imp.prefix}: state ${run?.state} with ${n} rows stored`);
            if (final && imp.started && n !== options.importRows) {
              const job = await k
                .selectFrom('import_runs as r')
                .innerJoin('jobs as j', 'j.id', 'r.job_id')
                .select(['j.state', 'j.attempts', 'j.max_attempts', 'j.last_error', 'j.lock_expires_at'])
                .where('r.id', '=', imp.runId)
                .executeTakeFirst();
              const others =
                db.engine === 'postgres'
                  ? (
                      await sql<
                        Record<string, unknown>
                      >`select state, wait_event_type, wait_event, left(query, 80) as query,
                        extract(epoch from now() - xact_start) as xact_seconds from pg_stat_activity
                        where datname = current_database() and pid <> pg_backend_pid()`.execute(k)
                    ).rows
                  : [];
              fail(
                `${where} import ${imp.prefix} never finished (run ${run?.state}; job ${JSON.stringify(job)}; now ${Date.now()}; waited ${finalWaitMs} ms; other sessions ${JSON.stringify(others)})`,
              );
            }
            if (!final && n === 0 && imp.started) importsSeenMidway += 1;
          } else if (n !== 0 && final) {
            // An upload whose answer was lost leaves a run the client never started: nothing imported.
            fail(`${where} import ${imp.prefix}: rows stored without a started run`);
          }
        }
        if (final) {
          for (const lane of lanes) if (lane.pending) fail(`${where} ${lane.pending.key} never acknowledged`);
        }
      },
    );
  }

  const csvFor = (prefix: string) =>
    [
      'Account ID,Account Name,Billing City',
      ...Array.from(
        { length: options.importRows },
        (_, i) => `${prefix}-${i},${prefix} account ${i},Chicago`,
      ),
    ].join('\n');

  for (let i = 0; i < options.iterations; i++) {
    if (i % options.importEvery === 0) {
      const prefix = `DUR${imports.length + 1}x${Math.floor(random() * 1e6)}`;
      imports.push({ index: imports.length, prefix, csv: csvFor(prefix), runId: null, started: false });
    }
    let alive = true;
    const isAlive = () => alive;
    const work = Promise.all([...lanes.map((lane, n) => runLane(lane, n, isAlive)), runImports(isAlive)]);
    const delay = killWindow.min + random() * (killWindow.max - killWindow.min);
    await new Promise((r) => setTimeout(r, delay));
    alive = false;
    const t0 = performance.now();
    await server.kill();
    kills += 1;
    const t1 = performance.now();
    await work;
    const t2 = performance.now();
    await check(`after kill ${kills}`, false);
    const t3 = performance.now();
    server = await startServerProcess({ DATABASE_URL: db.url });
    startups.push(server.startupMs);
    if (process.env.DURABILITY_VERBOSE)
      log(
        `kill ${kills}: writing ${Math.round(delay)} ms, kill ${Math.round(t1 - t0)} ms, drain ${Math.round(t2 - t1)} ms, check ${Math.round(t3 - t2)} ms, start ${Math.round(server.startupMs)} ms`,
      );
  }

  // The end: resend what is still pending, let the imports finish, then check everything.
  let alive = true;
  const settle = Promise.all([
    ...lanes.map((lane, n) => runLane(lane, n, () => alive && lane.pending !== null)),
    runImports(() => alive),
  ]);
  await settle;
  const waitStarted = Date.now();
  const deadline = waitStarted + 60_000;
  for (const imp of imports) {
    if (!imp.runId || !imp.started) continue;
    while (Date.now() < deadline) {
      const res = await send(server.url, admin, 'GET', `/api/crm/imports/${imp.runId}`);
      const body = res.body as { state?: string; retryable?: boolean; message?: string | null };
      if (body.state === 'done') break;
      // A job killed mid-run on each of its attempts goes to the dead letters (poison-job guard)
      // and its run says failed, retryable; the admin retries it as the import page tells them to.
      if (body.state === 'failed' && !body.retryable) break;
      if (body.state === 'failed') {
        if (!/^the background import stopped after \d+ attempts/.test(body.message ?? ''))
          fail(`import ${imp.prefix} failed with an unexpected message: ${body.message}`);
        const job = await db.kysely
          .selectFrom('import_runs')
          .select('job_id')
          .where('id', '=', imp.runId)
          .executeTakeFirstOrThrow();
        const retry = await send(server.url, admin, 'POST', `/api/admin/jobs/${job.job_id}/retry`, {
          json: {},
        });
        if (retry.status !== 200) fail(`retrying dead import job ${job.job_id}: ${retry.status}`);
        deadJobsRetried += 1;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  finalWaitMs = Date.now() - waitStarted;
  alive = false;
  await server.stop();
  await check('final', true);
  if (/"level":(50|60)/.test(server.stderr()))
    fail(`server logged errors: ${server.stderr().slice(0, 2000)}`);

  const acknowledged = Object.values(ackedByKind).reduce((a, b) => a + b, 0);
  const report: DurabilityReport = {
    iterations: options.iterations,
    kills,
    acknowledged,
    acknowledgedByKind: ackedByKind,
    resent,
    replayed,
    imports: imports.length,
    importsSeenMidway,
    deadJobsRetried,
    startupMs: { median: Math.round(median(startups)), max: Math.round(Math.max(...startups)) },
    problems,
  };
  log(
    `durability[${db.engine}]: iterations=${report.iterations} kills=${kills} writes acknowledged=${acknowledged} ` +
      `(${Object.entries(ackedByKind)
        .map(([k2, v]) => `${k2} ${v}`)
        .join(
          ', ',
        )}) resent=${resent} replayed=${replayed} imports=${imports.length} dead import jobs retried=${deadJobsRetried} ` +
      `server start-up median=${report.startupMs.median} ms max=${report.startupMs.max} ms problems=${problems.length}`,
  );
  return report;
}
