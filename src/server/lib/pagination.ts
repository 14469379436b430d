import { z } from 'zod';
import { invalidField } from './errors.ts';

/** Query parameters every list accepts. */
export const pageQuery = {
  cursor: z.string().max(200).optional().describe("Opaque cursor from the previous page's nextCursor"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};

/** A keyset cursor: the sort value and id of the last row of the previous page. */
export function encodeCursor(sortValue: string | number, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { sortValue: string | number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === 'string' || typeof parsed[0] === 'number') &&
      typeof parsed[1] === 'string'
    ) {
      return { sortValue: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the field error below
  }
  throw invalidField('cursor', 'is not a cursor this list produced');
}

/** Fetch limit+1 rows, return `limit` and a cursor when there is more. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  cursorOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1]!) };
}
