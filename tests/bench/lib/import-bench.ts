import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { DatasetSize } from '../../../src/cli/demo/seed-bench.ts';
import type { Deps } from '../../../src/server/context.ts';
import type { Db } from '../../../src/server/db/database.ts';
import { systemClock } from '../../../src/server/lib/clock.ts';
import { hashPassword } from '../../../src/server/lib/secrets.ts';
import {
  executeImport,
  startImport,
  uploadImport,
} from '../../../src/server/modules/crm/import/import.service.ts';
import { createOrgWithAdmin } from '../../../src/server/modules/identity/auth.service.ts';
import { insertUserInOrg } from '../../../src/server/modules/identity/users.service.ts';
import type { Actor } from '../../../src/server/policy/policy.ts';
import type { BenchContext } from './benchmark.ts';

/** Rows of the generated accounts file per dataset. */
export const importRows: Record<DatasetSize, number> = { S: 20_000, M: 200_000, L: 1_000_000 };
export const OWNERS = 20;

const header = [
  'Account ID',
  'Account Name',
  'Billing Street',
  'Billing City',
  'Billing State/Province',
  'Billing Zip/Postal Code',
  'Billing Country',
  'Billing Latitude',
  'Billing Longitude',
  'Industry',
  'Account Owner',
];
const cities = ['Chicago', 'Evanston', 'Oak Park', 'Naperville', 'Skokie', 'Joliet', 'Aurora', 'Cicero'];
const industries = ['Manufacturing', 'Retail', 'Software', 'Energy', 'Logistics', 'Healthcare'];

export function ownerEmail(i: number): string {
  return `rep${i}@bench-import.test`;
}

/** A Salesforce-style accounts export with `rows` rows, written as a stream (never in memory). */
export async function generateAccountsFile(rows: number): Promise<{ path: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'outfield-import-bench-'));
  const path = join(dir, 'accounts.csv');
  const out = createWriteStream(path);
  let buf = `${header.map((h) => `"${h}"`).join(',')}\r\n`;
  for (let i = 0; i < rows; i++) {
    const lat = (41.6 + ((i * 7919) % 6000) / 10_000).toFixed(5);
    const lng = (-88.2 + ((i * 104_729) % 7000) / 10_000).toFixed(5);
    buf += `"001BENCH${String(i).padStart(9, '0')}","Account ${i}, Inc.","${i % 9000} Main St","${cities[i % cities.length]}","IL","60${String(i % 1000).padStart(3, '0')}","United States","${lat}","${lng}","${industries[i % industries.length]}","${ownerEmail(i % OWNERS)}"\r\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An org with an admin and OWNERS reps (the owners the file names). */
export async function makeImportOrg(
  db: Db,
): Promise<{ orgId: string; admin: Actor; ownerIds: Map<string, string> }> {
  const passwordHash = await hashPassword('bench-import-password');
  const created = await db.kysely.transaction().execute((trx) =>
    createOrgWithAdmin(
      trx,
      { clock: systemClock },
      {
        orgName: 'Import Bench',
        currency: 'USD',
        timeZone: 'America/Chicago',
        fiscalYearStartMonth: 1,
        adminName: 'Bench Admin',
        adminEmail: 'admin@bench-import.test',
        passwordHash,
      },
      null,
    ),
  );
  const ownerIds = new Map<string, string>();
  for (let i = 0; i < OWNERS; i++) {
    const user = await db.kysely
      .transaction()
      .execute((trx) =>
        insertUserInOrg(
          trx,
          { clock: systemClock },
          { orgId: created.orgId, userId: created.userId, requestId: null },
          { email: ownerEmail(i), name: `Rep ${i}`, role: 'rep', passwordHash, teamId: null },
        ),
      );
    ownerIds.set(ownerEmail(i), user.id);
  }
  const admin: Actor = {
    userId: created.userId,
    orgId: created.orgId,
    role: 'admin',
    sessionId: null,
    tokenId: null,
    requestId: 'bench',
  };
  return { orgId: created.orgId, admin, ownerIds };
}

/** Samples RSS every 50 ms; `stop()` returns the peak in bytes. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/**
 * Our import end to end as the background job runs it (header check, mapping, zod validation,
 * owner resolution, batched upserts in one all-or-nothing transaction, audit). The upload copy into
 * the import folder is not timed: the baseline reads the same file in place.
 */
export async function timeOurImport(
  ctx: BenchContext,
  db: Db,
  file: string,
  rows: number,
): Promise<{ seconds: number; peakRss: number; startRss: number }> {
  const { orgId, admin } = await makeImportOrg(db);
  const deps: Deps = {
    db,
    clock: systemClock,
    config: {
      sessionSecret: 'bench-secret-bench-secret-bench-secret',
      sessionIdleMs: 1,
      sessionAbsoluteMs: 1,
      publicUrl: undefined,
      loginLimits: { perAccount: 1, perIp: 1, windowMs: 1 },
      webRoot: undefined,
    },
    log: { warn: ctx.log, error: ctx.log } as unknown as Deps['log'],
  };
  const run = await uploadImport(deps, admin, {
    entity: 'accounts',
    fileName: 'accounts.csv',
    body: createReadStream(file),
    maxBytes: Number.MAX_SAFE_INTEGER,
  });
  await startImport(
    deps,
    admin,
    run.id,
    { preset: 'salesforce', mode: 'all-or-nothing' },
    { enqueue: false },
  );
  global.gc?.();
  const startRss = process.memoryUsage().rss;
  const sampler = rssSampler();
  const started = performance.now();
  const outcome = await executeImport(deps, orgId, run.id);
  const seconds = (performance.now() - started) / 1000;
  const peakRss = sampler.stop();
  if (!outcome || outcome.fatal || outcome.inserted !== rows)
    throw new Error(
      `our import did not store ${rows} rows: ${JSON.stringify({ ...outcome, errors: outcome?.errors.slice(0, 3), preview: [] })}`,
    );
  return { seconds, peakRss, startRss };
}

/** The generated file as rows ready for a bare insert (owner resolved by email, computed columns added). */
export async function* bareRows(
  file: string,
  orgId: string,
  ownerIds: Map<string, string>,
  newId: () => string,
): AsyncGenerator<(string | number | null)[]> {
  const parser = createReadStream(file).pipe(parse({ bom: true, from_line: 2 }));
  const now = Date.now();
  for await (const r of parser as AsyncIterable<string[]>) {
    const name = r[1]!;
    yield [
      orgId,
      newId(),
      name,
      name.toLowerCase(),
      r[2]!,
      r[3]!,
      r[4]!,
      r[5]!,
      r[6]!,
      Number(r[7]),
      Number(r[8]),
      r[9]!,
      'active',
      ownerIds.get(r[10]!)!,
      'salesforce',
      r[0]!,
      now,
      now,
    ];
  }
}

export const bareColumns = [
  'org_id',
  'id',
  'name',
  'name_lower',
  'street',
  'city',
  'region',
  'postal_code',
  'country',
  'latitude',
  'longitude',
  'industry',
  'status',
  'owner_id',
  'external_source',
  'external_id',
  'created_at',
  'updated_at',
] as const;

export function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(0)} MB`;
}
