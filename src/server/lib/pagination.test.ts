import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { decodeCursor, encodeCursor, pageOf } from './pagination.ts';

describe('cursors', () => {
  it('round-trips any sort value and id', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer()), fc.string(), (sortValue, id) => {
        expect(decodeCursor(encodeCursor(sortValue, id))).toEqual({ sortValue, id });
      }),
    );
  });

  it('refuses garbage with a field error instead of crashing', () => {
    fc.assert(
      fc.property(fc.string(), (garbage) => {
        try {
          decodeCursor(garbage);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).status).toBe(400);
        }
      }),
    );
  });

  it('returns a next cursor only when there are more rows', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(pageOf(rows, 3, (r) => r.id)).toEqual({ items: rows, nextCursor: null });
    expect(pageOf(rows, 2, (r) => r.id)).toEqual({ items: rows.slice(0, 2), nextCursor: 'b' });
  });
});
