import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a separate process, as `npx tsx src/cli/main.ts <args>` would, with the given
 * environment on top of ours. `node --import tsx` is the same loader without npx's and tsx's extra
 * processes (about a second less per call). Resolves with the exit code and output; never rejects
 * on a non-zero exit.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: projectRoot, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 25_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          fail(new Error(`could not run the CLI: ${error.message}\n${stderr}`));
          return;
        }
        done({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
