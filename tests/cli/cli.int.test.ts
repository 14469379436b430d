import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { verifyPassword } from '../../src/server/lib/secrets.ts';
import { makeOrg } from '../factories/identity.ts';
import { as, signIn, testConfig } from '../setup/test-app.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';
import { runCli } from './run-cli.ts';

let tdb: TestDb;
beforeEach(async () => {
  tdb = await createTestDb();
});
afterEach(async () => {
  await tdb.drop();
});

const ADMIN_PASSWORD = 'cli-admin-password-1';
const REP_PASSWORD = 'cli-rep-password-22';

function setupArgs(email = 'owner@acme.test'): string[] {
  return [
    'setup',
    '--org-name',
    'Acme Field Sales',
    '--admin-email',
    email,
    '--admin-name',
    'Olive Owner',
    '--currency',
    'EUR',
    '--time-zone',
    'Europe/Paris',
    '--password',
    ADMIN_PASSWORD,
  ];
}

// Each test spawns the real CLI (tsx start-up, argon2, demo data): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

describe(`the outfield CLI on ${testEngine()}`, () => {
  it('sets up the first org with its admin, then creates a user who can sign in', async () => {
    const env = { DATABASE_URL: tdb.url };
    const setup = await runCli(setupArgs(), env);
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('Created Acme Field Sales with admin owner@acme.test.');

    const create = await runCli(
      ['user', 'create', '--email', 'rita@acme.test', '--name', 'Rita Rep', '--role', 'rep'],
      { ...env, OUTFIELD_USER_PASSWORD: REP_PASSWORD },
    );
    expect(create.stderr).toBe('');
    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/Created rep rita@acme\.test \(.+\) in Acme Field Sales\./);

    const k = tdb.db.kysely;
    const orgs = await k.selectFrom('orgs').select(['id', 'name', 'currency', 'time_zone']).execute();
    expect(orgs).toEqual([
      { id: expect.any(String), name: 'Acme Field Sales', currency: 'EUR', time_zone: 'Europe/Paris' },
    ]);
    const people = await k
      .selectFrom('users as u')
      .innerJoin('memberships as m', 'm.user_id', 'u.id')
      .select(['u.email', 'u.name', 'u.password_hash', 'm.org_id', 'm.role', 'm.active'])
      .orderBy('u.email')
      .execute();
    expect(people.map(({ password_hash: _, ...p }) => p)).toEqual([
      { email: 'owner@acme.test', name: 'Olive Owner', org_id: orgs[0]!.id, role: 'admin', active: 1 },
      { email: 'rita@acme.test', name: 'Rita Rep', org_id: orgs[0]!.id, role: 'rep', active: 1 },
    ]);
    expect(await verifyPassword(people[0]!.password_hash, ADMIN_PASSWORD)).toBe(true);

    const app = await buildApp({ db: tdb.db, config: testConfig() });
    try {
      const session = await signIn(app, 'rita@acme.test', REP_PASSWORD);
      const me = await as(app, session)({ method: 'GET', url: '/api/me' });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ role: 'rep', org: { name: 'Acme Field Sales' } });
    } finally {
      await app.close();
    }
  });

  it('refuses a second setup once an organization exists, and exits non-zero', async () => {
    const existing = await makeOrg(tdb.db, fakeClock(), 'Already Here');
    const again = await runCli(setupArgs(), { DATABASE_URL: tdb.url });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Outfield is already set up');
    const users = await tdb.db.kysely.selectFrom('users').select('email').execute();
    expect(users).toEqual([{ email: existing.admin.email }]);
  });

  it('names the invalid option and creates nothing when the input is bad', async () => {
    const bad = await runCli(
      [
        'setup',
        '--org-name',
        'Acme',
        '--admin-email',
        'not-an-email',
        '--admin-name',
        'Olive',
        '--password',
        ADMIN_PASSWORD,
      ],
      { DATABASE_URL: tdb.url },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Invalid input:\n {2}- adminEmail: /);
    expect(await tdb.db.kysely.selectFrom('orgs').select('id').execute()).toEqual([]);
  });

  it('names every bad environment variable and exits non-zero', async () => {
    const result = await runCli(['migrate'], { PORT: 'abc', DATABASE_URL: 'mysql://x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid environment:');
    expect(result.stderr).toMatch(/- PORT: /);
    expect(result.stderr).toMatch(/- DATABASE_URL: must start with sqlite: or postgres:\/\//);
  });
});
