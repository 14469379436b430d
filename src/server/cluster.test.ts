import { describe, expect, it } from 'vitest';
import { workerCount } from './cluster.ts';
import { EnvError, loadEnv } from './env.ts';

describe('OUTFIELD_WORKERS', () => {
  it('is one process by default, a number as given, or one per CPU for auto', () => {
    expect(workerCount(undefined, 8)).toBe(1);
    expect(workerCount('1', 8)).toBe(1);
    expect(workerCount('3', 8)).toBe(3);
    expect(workerCount('auto', 2)).toBe(2);
    expect(() => workerCount('0', 2)).toThrow(/OUTFIELD_WORKERS/);
    expect(loadEnv({}).OUTFIELD_WORKERS).toBe('1');
    expect(loadEnv({ OUTFIELD_WORKERS: 'auto' }).OUTFIELD_WORKERS).toBe('auto');
  });

  it('refuses anything else at start-up, naming the variable', () => {
    for (const bad of ['0', '-1', 'two', '1.5', 'AUTO ']) {
      expect(() => loadEnv({ OUTFIELD_WORKERS: bad }), bad).toThrow(EnvError);
    }
  });
});
