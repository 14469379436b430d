import { EnvError, loadEnv } from './env.ts';
import { serveFromEnv } from './start.ts';

/** Process entry for `npm run dev`: serve with the environment as configured (OUTFIELD_WORKERS too). */
async function main(): Promise<void> {
  const env = loadEnv();
  await serveFromEnv(env, {
    onReady: (url) => process.stdout.write(`Outfield listening at ${url}\n`),
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
});
