import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_PASSWORD } from '../../src/cli/demo/demo-data.ts';
import type { Db } from '../../src/server/db/database.ts';
import { verifyPassword } from '../../src/server/lib/secrets.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';
import { runCli } from './run-cli.ts';

let tdb: TestDb;
beforeEach(async () => {
  tdb = await createTestDb();
});
afterEach(async () => {
  await tdb.drop();
});

/** Members per role in each org, by org name. */
async function rolesByOrg(db: Db): Promise<Record<string, Record<string, number>>> {
  const rows = await db.kysely
    .selectFrom('memberships as m')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['o.name', 'm.role'])
    .execute();
  const result: Record<string, Record<string, number>> = {};
  for (const { name, role } of rows) {
    const org = result[name] ?? {};
    org[role] = (org[role] ?? 0) + 1;
    result[name] = org;
  }
  return result;
}

// Each test spawns the real CLI (tsx start-up, argon2, demo data): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

describe(`outfield demo --no-serve on ${testEngine()}`, () => {
  it('creates both demo orgs with their admins, managers and reps, and is idempotent', async () => {
    const env = { DATABASE_URL: tdb.url };
    const first = await runCli(['demo', '--no-serve'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const expected = {
      'Northwind Field Sales': { admin: 1, manager: 3, rep: 12 },
      'Contoso Outdoor': { admin: 1, manager: 1, rep: 3 },
    };
    expect(await rolesByOrg(tdb.db)).toEqual(expected);
    const admin = await tdb.db.kysely
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'admin@northwind.example')
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(admin.password_hash, DEMO_PASSWORD)).toBe(true);

    const second = await runCli(['demo', '--no-serve'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Demo data already present');
    expect(await rolesByOrg(tdb.db)).toEqual(expected);
  });
});
