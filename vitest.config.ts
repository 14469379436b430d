import { defineConfig } from 'vitest/config';

// Unit tests run once; integration tests (*.int.test.ts) run on SQLite, and again on PostgreSQL
// when TEST_DATABASE_URL is set (each test file gets its own fresh database).
const pgUrl = process.env.TEST_DATABASE_URL;
const common = {
  setupFiles: ['tests/setup/setup-test-env.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // The test files of a worker share one module cache instead of each importing the app afresh:
  // importing took more time than the tests themselves (measured 2026-11-27 on 11 files: 43 s of
  // imports isolated, 15 s shared; 101 s against 48 s in all). Every file builds its own app and
  // database, and no suite mocks modules (stubbed globals are restored after each test).
  isolate: false,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'unit+sqlite',
          include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: ['tests/e2e/**', 'tests/bench/**', 'node_modules/**'],
          env: { OUTFIELD_TEST_ENGINE: 'sqlite' },
        },
      },
      ...(pgUrl
        ? [
            {
              test: {
                ...common,
                name: 'postgres',
                include: ['src/**/*.int.test.ts', 'tests/**/*.int.test.ts'],
                exclude: ['tests/e2e/**', 'tests/bench/**', 'node_modules/**'],
                env: { OUTFIELD_TEST_ENGINE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
