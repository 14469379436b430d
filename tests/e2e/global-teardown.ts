import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Removes the run's scratch directory (the two SQLite databases and the demo log). */
export default function globalTeardown(): void {
  const dir = process.env.E2E_RUN_DIR;
  if (dir?.startsWith(tmpdir()) && !process.env.E2E_KEEP_RUN_DIR) {
    rmSync(dir, { recursive: true, force: true });
  }
}
