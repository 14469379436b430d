import { describe, expect, it } from 'vitest';
import { findNul } from './app.ts';

describe('findNul', () => {
  it('names the path of the first string or key holding a NUL, at any depth', () => {
    expect(findNul({ name: 'ok', stages: [{ name: 'fine' }, { name: 'a\u0000b' }] })).toBe('stages.1.name');
    expect(findNul({ outer: { 'bad\u0000key': 1 } })).toBe('outer.bad\u0000key');
    expect(findNul({ '': 'x\u0000' })).toBe('""');
    expect(findNul('\u0000')).toBe('');
    expect(findNul(['a', ['b', ['c\u0000']]])).toBe('1.1.0');
  });

  it('passes clean input of every shape, and nesting far deeper than the call stack allows', () => {
    expect(findNul(undefined)).toBeNull();
    expect(findNul({ a: [1, true, null, { b: 'text', c: [] }] })).toBeNull();
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findNul(deep)).toBeNull();
    deep = 'le\u0000af';
    for (let i = 0; i < 100_000; i++) deep = { k: deep };
    expect(findNul(deep)?.split('.').length).toBe(100_000);
  });

  it('does not walk into objects that are not plain data', () => {
    expect(findNul({ when: new Date(0), buf: Buffer.from('\u0000') })).toBeNull();
  });
});
