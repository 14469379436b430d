import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, restore } from '../../src/cli/backup.ts';
import { manifestOf } from '../../src/cli/backup-manifest.ts';
import { buildApp } from '../../src/server/app.ts';
import { type Db, openDb } from '../../src/server/db/database.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { newId } from '../../src/server/lib/ids.ts';
import { type ClientSession, login, NetworkError, send } from '../durability/client.ts';
import { type ServerProcess, startServerProcess } from '../durability/server-process.ts';
import { makeAccount, makeDeal } from '../factories/crm.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, signIn, testConfig } from '../setup/test-app.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';

/**
 * Backup under write load (issue 7, item 8): the real server (child process) takes visits, new
 * deals and deal updates from four users without pause while `backup()` runs; the backup is
 * restored into a fresh database and compared with the manifest `backup()` computed from the same
 * snapshot it copied: per-table row counts and checksums and the money totals. The restored copy
 * must also be a moment of the source (each user's writes a prefix of what they sent, everything
 * acknowledged before the backup began present) and the restored instance must let people sign in.
 */
let source: TestDb;
let dir: string;
let target: { url: string; drop(): Promise<void> };
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function freshTarget(): Promise<{ url: string; drop(): Promise<void> }> {
  if (testEngine() === 'sqlite') return { url: `sqlite:${join(dir, 'restored.db')}`, async drop() {} };
  const name = `outfield_restore_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

beforeAll(async () => {
  source = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'outfield-backup-load-'));
  target = await freshTarget();
});
afterAll(async () => {
  await source.drop();
  await target.drop();
  rmSync(dir, { recursive: true, force: true });
});

const PADDING_ROWS = 60_000;

interface Sent {
  lane: number;
  seq: number;
  visitId: string;
  ackedAt: number;
}

describe(`backup under write load on ${testEngine()}`, () => {
  it('restores the consistent snapshot the backup took, table by table, with money totals, and sign-in works', async () => {
    const clock = fakeClock(Date.now());
    const w = await makeWorld(source.db, clock);
    const orgId = w.org.orgId;
    const people = [w.repA1, w.repA2, w.repB1, w.managerA];
    const setup: { accountId: string; dealId: string }[] = [];
    for (const p of people) {
      const accountId = await makeAccount(source.db, clock, orgId, p.id);
      setup.push({ accountId, dealId: await makeDeal(source.db, clock, orgId, p.id, accountId) });
    }
    // Bulk (old audit rows) so the backup takes long enough for many writes to land while it runs.
    await sql`insert into audit_log (org_id, id, at, actor_user_id, entity_type, entity_id, action, summary, request_id)
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${PADDING_ROWS})
      select ${orgId}, 'pad-' || i, 0, null, 'padding', 'pad-' || i, 'pad', ${'x'.repeat(300)}, null from n`.execute(
      source.db.kysely,
    );

    const server: ServerProcess = await startServerProcess({ DATABASE_URL: source.url });
    const sessions: ClientSession[] = [];
    for (const p of people) sessions.push(await login(server.url, p.email, PASSWORD));
    const sent: Sent[] = [];
    const errors: string[] = [];
    let writing = true;
    const lanes = sessions.map(async (session, lane) => {
      let seq = 0;
      while (writing) {
        seq += 1;
        const visitId = newId();
        const { accountId, dealId } = setup[lane]!;
        const ops = [
          send(server.url, session, 'POST', '/api/crm/activities', {
            json: { id: visitId, kind: 'visit', subject: `load ${lane}-${seq}`, accountId },
            headers: { 'idempotency-key': `bl-v-${visitId}` },
          }),
        ];
        if (seq % 3 === 0) {
          ops.push(
            send(server.url, session, 'POST', '/api/crm/deals', {
              json: { name: `Load deal ${lane}-${seq}`, accountId, amountMinor: 1_000 + seq },
              headers: { 'idempotency-key': `bl-c-${visitId}` },
            }),
          );
        } else {
          ops.push(
            send(server.url, session, 'PATCH', `/api/crm/deals/${dealId}`, {
              json: { amountMinor: 50_000 + seq },
              headers: { 'idempotency-key': `bl-d-${visitId}` },
            }),
          );
        }
        try {
          const answers = await Promise.all(ops);
          for (const a of answers) if (a.status >= 300) errors.push(`${a.status} ${JSON.stringify(a.body)}`);
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          errors.push(error.message);
        }
        sent.push({ lane, seq, visitId, ackedAt: Date.now() });
      }
    });

    await new Promise((r) => setTimeout(r, 600));
    const ackedBefore = sent.length;
    const file = join(dir, 'outfield.backup');
    const backupStarted = Date.now();
    const manifest = await backup(source.url, file);
    const backupMs = Date.now() - backupStarted;
    const ackedDuring = sent.length - ackedBefore;
    // Keep writing a little after the backup, so the source moves on past the snapshot.
    await new Promise((r) => setTimeout(r, 300));
    writing = false;
    await Promise.all(lanes);
    await server.stop();
    expect(errors).toEqual([]);
    expect(ackedDuring).toBeGreaterThan(0);

    const now = await manifestOf(source.db);
    expect(now.tables.activities!.rows).toBeGreaterThan(manifest.tables.activities!.rows);

    await restore(target.url, file);
    const restored: Db = openDb(target.url);
    try {
      // Row counts, checksums and money totals of every table equal the snapshot the backup took.
      const after = await manifestOf(restored);
      expect(Object.keys(after.tables).sort()).toEqual(Object.keys(manifest.tables).sort());
      for (const [table, summary] of Object.entries(manifest.tables)) {
        expect({ table, ...after.tables[table] }).toEqual({ table, ...summary });
      }
      expect(after.money).toEqual(manifest.money);
      const credits = after.money.reduce((a, m) => a + m.credits, 0);
      expect(credits).toBe(after.money.reduce((a, m) => a + m.deals, 0));

      // A moment of the source: per user a prefix of what they sent; all acknowledged before the
      // backup began present.
      const visits = await restored.kysely
        .selectFrom('activities')
        .select(['id', 'subject'])
        .where('subject', 'like', 'load %')
        .execute();
      const present = new Set(visits.map((v) => v.id));
      for (let lane = 0; lane < sessions.length; lane++) {
        const mine = sent.filter((s) => s.lane === lane).sort((a, b) => a.seq - b.seq);
        const flags = mine.map((s) => present.has(s.visitId));
        const firstMissing = flags.indexOf(false);
        if (firstMissing >= 0) expect(flags.slice(firstMissing).every((f) => !f)).toBe(true);
      }
      for (const s of sent.slice(0, ackedBefore)) expect(present.has(s.visitId)).toBe(true);

      const app = await buildApp({ db: restored, config: testConfig(), clock });
      try {
        const session = await signIn(app, w.repA1.email, PASSWORD);
        const deals = await as(app, session)({ method: 'GET', url: '/api/crm/deals' });
        expect(deals.statusCode).toBe(200);
        const admin = await signIn(app, w.org.admin.email, PASSWORD);
        expect(admin.orgId).toBe(orgId);
      } finally {
        await app.close();
      }
      process.stdout.write(
        `backup-under-load[${testEngine()}]: backup ${backupMs} ms; writes acknowledged before ${ackedBefore}, during ${ackedDuring}, total ${sent.length}; ` +
          `snapshot ${manifest.tables.activities!.rows} activities, ${manifest.tables.deals!.rows} deals, ${manifest.tables.audit_log!.rows} audit rows ` +
          `(source now ${now.tables.activities!.rows} activities); ${Object.keys(manifest.tables).length} tables match\n`,
      );
    } finally {
      await restored.close();
    }
  }, 120_000);
});
