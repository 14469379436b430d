import { newId } from '../../../src/server/lib/ids.ts';
import type { BenchContext, Benchmark } from '../lib/benchmark.ts';
import {
  bareColumns,
  bareRows,
  generateAccountsFile,
  importRows,
  makeImportOrg,
  mb,
  timeOurImport,
} from '../lib/import-bench.ts';
import { median } from '../lib/stats.ts';

const MEMORY_LIMIT = 256 * 1_048_576;

/**
 * Rows/s of our accounts import (Salesforce preset, all-or-nothing: one transaction) against a bare
 * better-sqlite3 loop that parses the same file with csv-parse and runs one prepared INSERT per row
 * in one transaction, into the same table with the same indexes. Ratio = bare / ours.
 * Also prints our peak RSS against the 256 MB budget (the 1,000,000-row file is dataset L).
 */
export const benchmark: Benchmark = {
  name: 'import_vs_raw_sqlite',
  target: 2.0,
  description: 'accounts CSV import vs a bare prepared-insert loop in one transaction (SQLite)',
  async run(ctx: BenchContext) {
    if (ctx.engine !== 'sqlite') throw new Error('import_vs_raw_sqlite runs on BENCH_ENGINE=sqlite');
    const rows = importRows[ctx.dataset];
    const file = await generateAccountsFile(rows);
    ctx.defer(() => file.cleanup());
    ctx.log(`generated ${rows} rows`);
    const rounds = ctx.dataset === 'L' ? 1 : 3;
    const ours: number[] = [];
    const bare: number[] = [];
    let peak = 0;
    let startRss = 0;
    for (let round = 1; round <= rounds; round++) {
      const a = await ctx.freshDb();
      const mine = await timeOurImport(ctx, a.db, file.path, rows);
      ours.push(rows / mine.seconds);
      peak = Math.max(peak, mine.peakRss);
      startRss = mine.startRss;
      await a.drop();

      const b = await ctx.freshDb();
      const { orgId, ownerIds } = await makeImportOrg(b.db);
      const raw = b.db.sqlite!;
      const insert = raw.prepare(
        `insert into accounts (${bareColumns.join(', ')}) values (${bareColumns.map(() => '?').join(', ')})`,
      );
      const started = performance.now();
      raw.exec('begin');
      for await (const values of bareRows(file.path, orgId, ownerIds, newId)) insert.run(values);
      raw.exec('commit');
      const seconds = (performance.now() - started) / 1000;
      bare.push(rows / seconds);
      await b.drop();
      ctx.log(
        `round ${round}/${rounds}: ours ${ours.at(-1)!.toFixed(0)} rows/s (peak RSS ${mb(mine.peakRss)}), bare ${bare.at(-1)!.toFixed(0)} rows/s`,
      );
    }
    ctx.log(
      `MEMORY import peak_rss=${mb(peak)} (process before import ${mb(startRss)}) limit=${mb(MEMORY_LIMIT)} rows=${rows} ${peak <= MEMORY_LIMIT ? 'ok' : 'OVER'}`,
    );
    return { ours: median(ours), base: median(bare), unit: 'rows/s' };
  },
};
