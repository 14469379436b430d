import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, webRoot } from '../server/start.ts';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the web app with Vite when dist/web is missing or older than its sources. */
export async function ensureWebBuilt(log: (line: string) => void = console.log): Promise<void> {
  const index = join(webRoot, 'index.html');
  const sources = join(projectRoot, 'src/web');
  if (!existsSync(sources)) return;
  const sourceTime = Math.max(newestMtime(sources), statSync(join(projectRoot, 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sourceTime) return;
  log('Building the web app (first start or changed sources)…');
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(projectRoot, 'vite.config.ts'), logLevel: 'warn' });
  log(`Web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
