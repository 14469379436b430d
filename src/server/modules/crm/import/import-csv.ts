import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';

/** The file itself cannot be read as CSV (encoding, quoting); `row` is the line it went wrong on. */
export class CsvFileError extends Error {
  constructor(
    public readonly row: number | null,
    message: string,
  ) {
    super(row === null ? message : `row ${row}: ${message}`);
  }
}

/** Bytes a UTF-8 sequence starting with `lead` takes (0 for a continuation or invalid byte). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** How many bytes at the end of `chunk` start a sequence the next chunk completes. */
function incompleteTail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const byte = chunk[chunk.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = sequenceLength(byte);
    return need > back ? back : 0;
  }
  return 0;
}

function countNewlines(buf: Buffer, end = buf.length): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i !== -1 && i < end) {
    n += 1;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/**
 * Passes bytes through unchanged while checking they are valid UTF-8 (chunk boundaries may split a
 * character). Invalid text fails with the line it is on, so the user can find it.
 */
export function utf8Guard(): Transform {
  let carry: Buffer = Buffer.alloc(0);
  let lines = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const tail = incompleteTail(buf);
      const body = tail > 0 ? buf.subarray(0, buf.length - tail) : buf;
      carry = tail > 0 ? Buffer.from(buf.subarray(buf.length - tail)) : Buffer.alloc(0);
      if (!isUtf8(body)) {
        const text = new TextDecoder('utf-8').decode(body);
        const bad = text.indexOf('\uFFFD');
        const before = text.slice(0, Math.max(0, bad)).split('\n').length - 1;
        done(
          new CsvFileError(
            lines + before + 1,
            'the file is not valid UTF-8 text (wrong encoding?). Save it as "CSV UTF-8" and upload it again.',
          ),
        );
        return;
      }
      lines += countNewlines(body);
      done(null, body);
    },
    flush(done: TransformCallback) {
      if (carry.length > 0) {
        done(new CsvFileError(lines + 1, 'the file ends in the middle of a UTF-8 character'));
        return;
      }
      done();
    },
  });
}

const csvMessages: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell starts here and is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted cell is followed by other characters (double the " inside quotes)',
  CSV_INVALID_OPENING_QUOTE: 'a " appears inside an unquoted cell (quote the cell and double the ")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'characters follow the closing quote of a cell',
};

function toFileError(error: unknown): Error {
  if (error instanceof CsvFileError) return error;
  if (error instanceof CsvError) {
    const lines = (error as CsvError & { lines?: number }).lines;
    return new CsvFileError(
      typeof lines === 'number' ? lines : null,
      `malformed CSV: ${csvMessages[error.code] ?? error.message}`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

export interface CsvRow {
  /** Line number of the row as a spreadsheet shows it (the header is row 1). */
  row: number;
  cells: string[];
}

/**
 * Streams the records of a CSV file: header first, then data rows, never the whole file in memory.
 * A byte-order mark is dropped, blank lines (also lines of only commas) are skipped, invalid UTF-8
 * and broken quoting fail with a CsvFileError naming the row.
 */
export async function* readCsv(path: string): AsyncGenerator<CsvRow> {
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    info: true,
  });
  const source = createReadStream(path, { highWaterMark: 256 * 1024 });
  const guard = utf8Guard();
  const fail = (error: unknown) => parser.destroy(toFileError(error));
  source.on('error', fail);
  guard.on('error', fail);
  source.pipe(guard).pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { row: item.info.lines, cells: item.record };
    }
  } catch (error) {
    throw toFileError(error);
  } finally {
    source.destroy();
  }
}

const HEADER_MAX_BYTES = 1024 * 1024;

/**
 * The header cells of a CSV file (trimmed). Only the header is read here (the rest of the file is
 * checked row by row in the dry run), so an upload is accepted whenever its header is readable.
 */
export async function readHeader(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(HEADER_MAX_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEADER_MAX_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  // The header ends at the first line break outside quotes after some content.
  let inQuotes = false;
  let content = false;
  let end = head.length;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0x22) inQuotes = !inQuotes;
    else if (b === 0x0a && !inQuotes && content) {
      end = i;
      break;
    } else if (b !== 0x0d && b !== 0x0a && b !== 0x2c && b !== 0x20 && !(i < 3 && b >= 0xbb)) content = true;
  }
  const line = head.subarray(0, end);
  if (!isUtf8(line)) {
    throw new CsvFileError(
      1,
      'the file is not valid UTF-8 text (wrong encoding?). Save it as "CSV UTF-8" and upload it again.',
    );
  }
  let records: string[][];
  try {
    records = parseSync(line, { bom: true, skip_empty_lines: true, skip_records_with_empty_values: true });
  } catch (error) {
    throw toFileError(error);
  }
  const header = records[0];
  if (!header || header.every((c) => c.trim() === ''))
    throw new CsvFileError(null, 'the file is empty: it needs a header row and at least one data row');
  return header.map((c) => c.trim());
}
