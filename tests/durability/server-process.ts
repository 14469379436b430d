import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
const entry = resolve(here, 'server-entry.ts');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Milliseconds from spawn to `READY`. */
  startupMs: number;
  /** What the server wrote to stderr (kept for failure messages). */
  stderr(): string;
  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful shutdown. */
  stop(): Promise<void>;
}

let bundled: Promise<string> | undefined;

/**
 * The server entry bundled once per test process with esbuild (our code in one file, packages
 * left to node_modules): it starts in about half the time of loading every file through tsx, and
 * the durability run restarts the server after every kill. The bundle lives under
 * node_modules/.cache so packages resolve; it is removed when the process exits.
 */
export function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = resolve(
      projectRoot,
      `node_modules/.cache/outfield-test-server/server-${process.pid}.mjs`,
    );
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'warning',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

/** Starts the real server (tests/durability/server-entry.ts, bundled) in a child process on a free port. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const file = await serverBundle();
  const started = performance.now();
  // OUTFIELD_SERVER_NODE_ARGS: extra node flags for the server child, e.g. `--cpu-prof
  // --cpu-prof-dir=/tmp/prof` to profile it under `npm run load` (cluster workers inherit them).
  const nodeArgs = (process.env.OUTFIELD_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, file], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'error', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err = (err + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`server did not start in 60 s: ${err}`)), 60_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const match = /READY (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        res(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`server exited before it was ready (${code ?? signal}): ${err}`));
    });
  });
  const startupMs = performance.now() - started;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    startupMs,
    stderr: () => err,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
