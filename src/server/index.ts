import { EnvError, loadEnv } from './env.ts';
import { startServer } from './start.ts';

/** Process entry for `npm run dev`: serve with the environment as configured. */
async function main(): Promise<void> {
  const env = loadEnv();
  const server = await startServer(env);
  server.app.log.info(`Outfield listening at ${server.url}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
});
