import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { from as copyFrom } from 'pg-copy-streams';
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
 * Rows/s of our accounts import (Salesforce preset, all-or-nothing: one transaction) against
 * PostgreSQL COPY of the same file into the same table with the same indexes (the file is parsed
 * with csv-parse and the columns the table needs — org, id, lower-case name, owner id — are added on
 * the way into COPY FROM STDIN). Ratio = COPY / ours. Also prints our peak RSS.
 */
export const benchmark: Benchmark = {
  name: 'import_vs_copy',
  target: 2.0,
  description: 'accounts CSV import vs PostgreSQL COPY of the same file into the same table',
  async run(ctx: BenchContext) {
    if (ctx.engine !== 'postgres') throw new Error('import_vs_copy runs on BENCH_ENGINE=postgres');
    const rows = importRows[ctx.dataset];
    const file = await generateAccountsFile(rows);
    ctx.defer(() => file.cleanup());
    ctx.log(`generated ${rows} rows`);
    const rounds = ctx.dataset === 'L' ? 1 : 3;
    const ours: number[] = [];
    const copy: number[] = [];
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
      const client = await b.db.pool!.connect();
      try {
        const started = performance.now();
        await client.query('begin');
        const sink = client.query(
          copyFrom(`copy accounts (${bareColumns.join(', ')}) from stdin with (format csv)`),
        );
        await pipeline(Readable.from(bareRows(file.path, orgId, ownerIds, newId)), stringify(), sink);
        await client.query('commit');
        copy.push(rows / ((performance.now() - started) / 1000));
        const n = await client.query<{ n: string }>('select count(*) as n from accounts');
        if (Number(n.rows[0]!.n) !== rows) throw new Error(`COPY stored ${n.rows[0]!.n} rows, not ${rows}`);
      } finally {
        client.release();
      }
      await b.drop();
      ctx.log(
        `round ${round}/${rounds}: ours ${ours.at(-1)!.toFixed(0)} rows/s (peak RSS ${mb(mine.peakRss)}), COPY ${copy.at(-1)!.toFixed(0)} rows/s`,
      );
    }
    ctx.log(
      `MEMORY import peak_rss=${mb(peak)} (process before import ${mb(startRss)}) limit=${mb(MEMORY_LIMIT)} rows=${rows} ${peak <= MEMORY_LIMIT ? 'ok' : 'OVER'}`,
    );
    return { ours: median(ours), base: median(copy), unit: 'rows/s' };
  },
};
