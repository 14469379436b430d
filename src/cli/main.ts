import cluster from 'node:cluster';
import { rmSync } from 'node:fs';
import { Command, Option } from 'commander';
import { engineOf, openDb, sqlitePath } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { type Env, EnvError, loadEnv } from '../server/env.ts';
import { systemClock } from '../server/lib/clock.ts';
import { hashPassword } from '../server/lib/secrets.ts';
import { createOrgWithAdmin, setupNeeded } from '../server/modules/identity/auth.service.ts';
import { setupBody, userCreateBody } from '../server/modules/identity/identity.schemas.ts';
import { insertUserInOrg } from '../server/modules/identity/users.service.ts';
import { rebuildOrgRollups } from '../server/modules/metrics/rollups.ts';
import { openAndMigrate, type RunningServer, serveFromEnv, startServer } from '../server/start.ts';
import { backup, restore } from './backup.ts';
import { manifestPathOf } from './backup-manifest.ts';
import { DEMO_PASSWORD, type DemoLogin, demoExists, seedDemo } from './demo/demo-data.ts';
import { type DatasetSize, datasetSizes, seedBench } from './demo/seed-bench.ts';
import { importCommand } from './import.ts';
import { progressBar } from './progress.ts';
import { rollupsCommand } from './rollups.ts';
import { ensureWebBuilt } from './web-build.ts';

function env(overrides: Record<string, string | undefined> = {}): Env {
  return loadEnv({ ...process.env, ...overrides });
}

function holdOpen(server: RunningServer): void {
  const stop = async (signal: string) => {
    console.log(`\n${signal}: finishing in-flight requests and shutting down…`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

function printLogins(logins: DemoLogin[], url: string): void {
  console.log(`\nOutfield demo is running at ${url}\n`);
  console.log(`Demo logins (password for all: ${DEMO_PASSWORD})`);
  let org = '';
  for (const login of logins) {
    if (login.org !== org) {
      org = login.org;
      console.log(`\n  ${org}`);
    }
    console.log(`    ${login.email.padEnd(30)} ${login.role.padEnd(8)} ${login.name} — ${login.note}`);
  }
  console.log('\nPress Ctrl+C to stop.');
}

const program = new Command();
program.name('outfield').description('Outfield: the system an outside sales team runs on');

program
  .command('start')
  .description('Production start: migrate, then serve (offers first-run setup on an empty database)')
  .action(async () => {
    const e = env();
    // With OUTFIELD_WORKERS > 1 this command runs again in every worker (node:cluster): only the
    // primary (or the single process) builds the web app and prints.
    if (!cluster.isWorker) await ensureWebBuilt();
    await serveFromEnv(e, {
      async onReady(url) {
        console.log(`Outfield is running at ${url}`);
        const db = openDb(e.DATABASE_URL);
        try {
          if (await setupNeeded(db.kysely)) {
            console.log(`No organization yet: open ${url} to set up, or run \`outfield setup\`.`);
          }
        } finally {
          await db.close();
        }
      },
    });
  });

program
  .command('demo')
  .description('Start Outfield on the embedded database with two demo orgs and print the logins')
  .option('--fresh', 'delete the demo database first')
  .option('--no-serve', 'create the demo data and exit')
  .action(async (opts: { fresh?: boolean; serve: boolean }) => {
    const e = env({
      DATABASE_URL: process.env.DATABASE_URL ?? 'sqlite:./data/demo.db',
      // The demo prints its logins; keep request logs out of the way unless asked for.
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
    if (opts.fresh && engineOf(e.DATABASE_URL) === 'sqlite') {
      const file = sqlitePath(e.DATABASE_URL);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    }
    const db = await openAndMigrate(e.DATABASE_URL);
    let logins: DemoLogin[];
    if (await demoExists(db)) {
      console.log('Demo data already present (use --fresh to recreate it).');
      const { demoOrgs } = await import('./demo/demo-data.ts');
      logins = demoOrgs.flatMap((o) => [
        { org: o.name, email: o.admin.email, role: 'admin' as const, name: o.admin.name, note: 'org admin' },
        ...o.people.map((p) => ({ org: o.name, email: p.email, role: p.role, name: p.name, note: p.note })),
      ]);
    } else {
      logins = await seedDemo(db, systemClock, progressBar());
    }
    await db.close();
    if (!opts.serve) return;
    await ensureWebBuilt();
    const server = await startServer(e);
    holdOpen(server);
    printLogins(logins, server.url);
  });

program
  .command('migrate')
  .description('Apply pending database migrations')
  .action(async () => {
    const e = env();
    const db = await openAndMigrate(e.DATABASE_URL);
    const applied = await migrateToLatest(db);
    console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
    await db.close();
  });

program
  .command('seed')
  .description('Build a deterministic benchmark dataset (S: 20 reps, M: 200, L: 2,000)')
  .addOption(new Option('--size <size>', 'dataset size').choices(Object.keys(datasetSizes)).default('S'))
  .action(async (opts: { size: DatasetSize }) => {
    const e = env();
    const db = await openAndMigrate(e.DATABASE_URL);
    const started = Date.now();
    const result = await seedBench(db, systemClock, opts.size, progressBar());
    console.log(
      `Seeded Benchmark ${opts.size}: ${result.reps} reps in ${((Date.now() - started) / 1000).toFixed(1)} s; admin ${result.adminEmail}`,
    );
    await db.close();
  });

program
  .command('setup')
  .description('First-run setup without the browser: create the first org and its admin')
  .requiredOption('--org-name <name>')
  .requiredOption('--admin-email <email>')
  .requiredOption('--admin-name <name>')
  .option('--currency <code>', 'ISO 4217', 'USD')
  .option('--time-zone <tz>', 'IANA time zone', 'UTC')
  .option('--fiscal-year-start-month <n>', '1-12', '1')
  .option('--password <password>', 'admin password (or OUTFIELD_ADMIN_PASSWORD)')
  .action(async (opts: Record<string, string>) => {
    const input = setupBody.parse({
      orgName: opts.orgName,
      currency: opts.currency,
      timeZone: opts.timeZone,
      fiscalYearStartMonth: Number(opts.fiscalYearStartMonth),
      adminName: opts.adminName,
      adminEmail: opts.adminEmail,
      password: opts.password ?? process.env.OUTFIELD_ADMIN_PASSWORD,
    });
    const e = env();
    const db = await openAndMigrate(e.DATABASE_URL);
    try {
      const count = await db.kysely
        .selectFrom('orgs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(count.n) > 0) throw new Error('Outfield is already set up (an organization exists).');
      const passwordHash = await hashPassword(input.password);
      await db.kysely.transaction().execute(async (trx) => {
        const created = await createOrgWithAdmin(
          trx,
          { clock: systemClock },
          { ...input, passwordHash },
          null,
        );
        await rebuildOrgRollups(trx, created.orgId); // empty: valid from the start
      });
      console.log(`Created ${input.orgName} with admin ${input.adminEmail}.`);
    } finally {
      await db.close();
    }
  });

const user = program.command('user').description('Manage users');
user
  .command('create')
  .description('Create a user in an organization')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .addOption(new Option('--role <role>').choices(['admin', 'manager', 'rep']).makeOptionMandatory())
  .option('--password <password>', 'password (or OUTFIELD_USER_PASSWORD)')
  .option('--org <id>', 'organization id (default: the only one)')
  .action(async (opts: Record<string, string>) => {
    const input = userCreateBody.parse({
      email: opts.email,
      name: opts.name,
      role: opts.role,
      password: opts.password ?? process.env.OUTFIELD_USER_PASSWORD,
    });
    const e = env();
    const db = await openAndMigrate(e.DATABASE_URL);
    try {
      const orgs = await db.kysely.selectFrom('orgs').select(['id', 'name']).execute();
      const org = opts.org ? orgs.find((o) => o.id === opts.org) : orgs.length === 1 ? orgs[0] : undefined;
      if (!org)
        throw new Error(
          opts.org
            ? `No organization ${opts.org}`
            : `Pass --org; organizations: ${orgs.map((o) => `${o.id} (${o.name})`).join(', ')}`,
        );
      const admin = await db.kysely
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', org.id)
        .where('role', '=', 'admin')
        .executeTakeFirstOrThrow();
      const passwordHash = await hashPassword(input.password);
      const created = await db.kysely
        .transaction()
        .execute((trx) =>
          insertUserInOrg(
            trx,
            { clock: systemClock },
            { orgId: org.id, userId: admin.user_id, requestId: null },
            { ...input, passwordHash },
          ),
        );
      console.log(`Created ${created.role} ${created.email} (${created.id}) in ${org.name}.`);
    } finally {
      await db.close();
    }
  });

program
  .command('backup <file>')
  .description('Back up the database while the app runs (SQLite backup API; pg_dump on PostgreSQL)')
  .action(async (file: string) => {
    const e = env();
    const manifest = await backup(e.DATABASE_URL, file);
    console.log(`Backup written to ${file}`);
    console.log(
      `Manifest written to ${manifestPathOf(file)} (${Object.keys(manifest.tables).length} tables; keep it with the backup)`,
    );
  });

program
  .command('restore <file>')
  .description(
    'Replace the database with a backup (stop the app first) and check it against the manifest beside it',
  )
  .option('--no-verify', 'restore without checking the data against <file>.manifest.json')
  .action(async (file: string, options: { verify: boolean }) => {
    const e = env();
    const result = await restore(e.DATABASE_URL, file, { verify: options.verify });
    const db = await openAndMigrate(e.DATABASE_URL);
    await db.close();
    console.log(
      options.verify
        ? `Restored ${file}; verified ${result.verifiedTables} tables and the money totals against ${manifestPathOf(file)}`
        : `Restored ${file} (not verified: --no-verify)`,
    );
  });

importCommand(program);
rollupsCommand(program);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof EnvError) console.error(error.message);
  else if (error && typeof error === 'object' && 'issues' in error) {
    const issues = (error as { issues: { path: PropertyKey[]; message: string }[] }).issues;
    console.error(`Invalid input:\n${issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  } else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
