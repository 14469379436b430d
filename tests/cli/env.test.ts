import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from '../../src/server/env.ts';

function problemsOf(source: NodeJS.ProcessEnv): string[] {
  try {
    loadEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('loadEnv accepted the environment');
}

describe('environment validation', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATABASE_URL: 'sqlite:./data/outfield.db',
      LOG_LEVEL: 'info',
      TRUST_PROXY: false,
      SESSION_IDLE_MINUTES: 30,
      SESSION_ABSOLUTE_HOURS: 12,
    });
    expect(env.SESSION_SECRET).toBeUndefined();
    expect(env.PUBLIC_URL).toBeUndefined();
  });

  it('accepts an https or same-origin map tile template and refuses one without {z}/{x}/{y} or over http', () => {
    expect(loadEnv({}).MAP_TILE_URL).toBeUndefined();
    const https = 'https://tiles.example.com/{z}/{x}/{y}.png';
    expect(loadEnv({ MAP_TILE_URL: https }).MAP_TILE_URL).toBe(https);
    expect(loadEnv({ MAP_TILE_URL: '/tiles/{z}/{x}/{y}.png' }).MAP_TILE_URL).toBe('/tiles/{z}/{x}/{y}.png');
    expect(problemsOf({ MAP_TILE_URL: 'http://tiles.example.com/{z}/{x}/{y}.png' })[0]).toMatch(
      /^MAP_TILE_URL: must be an https/,
    );
    expect(problemsOf({ MAP_TILE_URL: 'https://tiles.example.com/tile.png' })[0]).toMatch(/^MAP_TILE_URL:/);
    expect(problemsOf({ MAP_TILE_URL: '//tiles.example.com/{z}/{x}/{y}.png' })[0]).toMatch(/^MAP_TILE_URL:/);
  });

  it('names every bad variable in one error, not just the first', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_URL: 'mysql://x' });
    expect(problems).toHaveLength(2);
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('DATABASE_URL:') && p.includes('sqlite: or postgres://'))).toBe(
      true,
    );
  });

  it('checks the import upload settings at start-up, naming the variable', () => {
    const problems = problemsOf({ OUTFIELD_IMPORT_MAX_BYTES: '50MB' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^OUTFIELD_IMPORT_MAX_BYTES:/);
    expect(problemsOf({ OUTFIELD_IMPORT_MAX_BYTES: '-5' })[0]).toMatch(
      /^OUTFIELD_IMPORT_MAX_BYTES: .*positive/,
    );
    expect(loadEnv({ OUTFIELD_IMPORT_MAX_BYTES: '1048576' }).OUTFIELD_IMPORT_MAX_BYTES).toBe(1_048_576);
  });

  it('lists each problem on its own line of the error message', () => {
    expect(() =>
      loadEnv({ PORT: '70000', LOG_LEVEL: 'loud', PUBLIC_URL: 'not a url', TRUST_PROXY: 'maybe' }),
    ).toThrow(
      /Invalid environment:\n {2}- PORT: .*\n {2}- PUBLIC_URL: .*\n {2}- LOG_LEVEL: .*\n {2}- TRUST_PROXY: /,
    );
  });

  it('rejects a session secret shorter than 32 characters', () => {
    const problems = problemsOf({ SESSION_SECRET: 'short' });
    expect(problems).toEqual([expect.stringMatching(/^SESSION_SECRET: must be at least 32 characters/)]);
  });

  it('treats empty strings as unset so a blank line in .env keeps the default', () => {
    const env = loadEnv({ PORT: '', DATABASE_URL: '', SESSION_SECRET: '' });
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe('sqlite:./data/outfield.db');
    expect(env.SESSION_SECRET).toBeUndefined();
  });

  it('reads "false" as false and "true" as true for TRUST_PROXY', () => {
    expect(loadEnv({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
  });

  it('accepts postgres:// and postgresql:// database URLs', () => {
    expect(loadEnv({ DATABASE_URL: 'postgres://u@h:5432/d' }).DATABASE_URL).toBe('postgres://u@h:5432/d');
    expect(loadEnv({ DATABASE_URL: 'postgresql://u@h/d' }).DATABASE_URL).toBe('postgresql://u@h/d');
  });
});
