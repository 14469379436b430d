import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import pino from 'pino';
import { z } from 'zod';
import type { Deps } from '../server/context.ts';
import { loadEnv } from '../server/env.ts';
import { systemClock } from '../server/lib/clock.ts';
import {
  dryRunImport,
  executeImport,
  startImport,
  uploadImport,
} from '../server/modules/crm/import/import.service.ts';
import {
  type ImportPreset,
  importEntities,
  importPresets,
} from '../server/modules/crm/import/import-fields.ts';
import type { RowError } from '../server/modules/crm/import/import-rows.ts';
import type { Actor } from '../server/policy/policy.ts';
import { loadReach } from '../server/policy/reach.ts';
import { configFromEnv, openAndMigrate } from '../server/start.ts';
import { type Progress, progressBar } from './progress.ts';

interface ImportOptions {
  preset?: ImportPreset;
  mapping?: string;
  source?: string;
  mode: 'all-or-nothing' | 'skip-bad-rows';
  dryRun?: boolean;
  org: string;
  as: string;
}

const mappingFile = z.record(z.string(), z.string());

function printErrors(errors: RowError[], total: number): void {
  for (const e of errors.slice(0, 50))
    console.log(`  row ${e.row}${e.column ? ` [${e.column}]` : ''}: ${e.reason}`);
  if (total > Math.min(50, errors.length)) console.log(`  … ${total - Math.min(50, errors.length)} more`);
}

/**
 * `outfield import <entity> <file>`: the same import the web runs (same mapping, validation,
 * visibility and audit), in this process, with a progress bar. Exits 1 when rows were refused.
 */
export async function runImportCommand(
  entity: (typeof importEntities)[number],
  file: string,
  opts: ImportOptions,
  progress: Progress = progressBar(),
): Promise<number> {
  const env = loadEnv(process.env);
  const db = await openAndMigrate(env.DATABASE_URL);
  try {
    const member = await db.kysely
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'm.role'])
      .where('m.org_id', '=', opts.org)
      .where('u.email', '=', opts.as.toLowerCase())
      .where('m.active', '=', 1)
      .executeTakeFirst();
    if (!member) throw new Error(`${opts.as} is not an active member of organization ${opts.org}`);
    const deps: Deps = {
      db,
      clock: systemClock,
      config: await configFromEnv(db, env),
      log: pino({ level: 'warn' }),
    };
    const actor: Actor = {
      userId: member.id,
      orgId: opts.org,
      role: member.role,
      sessionId: null,
      tokenId: null,
      requestId: `cli:${process.pid}`,
    };
    const reach = await loadReach(db.kysely, actor);
    const run = await uploadImport(deps, actor, {
      entity,
      fileName: basename(file),
      body: createReadStream(file),
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    const mapping = opts.mapping
      ? mappingFile.parse(JSON.parse(readFileSync(opts.mapping, 'utf8')))
      : undefined;
    const preset = mapping
      ? undefined
      : (opts.preset ?? (run.source === 'manual' ? undefined : (run.source as ImportPreset)));
    if (!mapping && !preset)
      throw new Error(
        `Cannot tell which export these columns come from (${run.headers.join(', ')}); pass --preset or --mapping`,
      );
    const choice = { preset, mapping, source: opts.source };
    if (opts.dryRun) {
      const dry = await dryRunImport(deps, actor, reach, run.id, { ...choice, previewRows: 5 });
      console.log(
        `Dry run of ${dry.totalRows} rows: ${dry.wouldInsert} new, ${dry.wouldUpdate} updates, ${dry.badRows} bad rows.`,
      );
      if (dry.fatal) console.log(`Stopped: ${dry.fatal}`);
      printErrors(dry.errors, dry.errorCount);
      for (const p of dry.preview) console.log(`  preview row ${p.row}: ${JSON.stringify(p.values)}`);
      return dry.fatal || dry.errorCount > 0 ? 1 : 0;
    }
    await startImport(deps, actor, run.id, { ...choice, mode: opts.mode }, { enqueue: false });
    let shown = 0;
    progress.start(`Importing ${entity}`, run.totalRows);
    const outcome = await executeImport(deps, opts.org, run.id, {
      onProgress: (p) => {
        progress.tick(p.processedRows - shown);
        shown = p.processedRows;
      },
    });
    progress.stop();
    if (!outcome) throw new Error('The import did not run');
    console.log(
      `${outcome.fatal ? 'Failed' : 'Done'}: ${outcome.totalRows} rows, ${outcome.inserted} new, ${outcome.updated} updated, ${outcome.skipped} skipped (import ${run.id}).`,
    );
    if (outcome.fatal) console.log(outcome.fatal);
    printErrors(outcome.errors, outcome.errorCount);
    return outcome.fatal || outcome.errorCount > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('Import a CSV export (accounts, contacts, deals, activities) as a member of an org')
    .argument('<entity>', importEntities.join(' | '))
    .argument('<file>', 'CSV file (UTF-8)')
    .addOption(new Option('--preset <preset>', 'column headers of this CRM export').choices(importPresets))
    .option('--mapping <file.json>', 'manual mapping { "CSV header": "field" }')
    .option('--source <name>', 'external source of a manual mapping (default csv)')
    .addOption(
      new Option('--mode <mode>', 'what bad rows do')
        .choices(['all-or-nothing', 'skip-bad-rows'])
        .default('all-or-nothing'),
    )
    .option('--dry-run', 'check every row and show a preview; write nothing')
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--as <email>', 'import with the rights of this member')
    .action(async (entity: string, file: string, opts: ImportOptions) => {
      const parsed = z.enum(importEntities).safeParse(entity);
      if (!parsed.success) throw new Error(`entity must be one of ${importEntities.join(', ')}`);
      process.exitCode = await runImportCommand(parsed.data, file, opts);
    });
}
