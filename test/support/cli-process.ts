import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/browsing-sync.mjs', import.meta.url));
/** What `npm start` runs, once `npm run build` has made it. */
export const BUILT_ENTRY = fileURLToPath(new URL('../../dist/adapters/cli/main.js', import.meta.url));

export interface CliRun {
  /** The exit code; null when the process was killed (e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The package's command in a child process, with only the environment given (no inherited
 * JWT or database settings) and silent logs.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000, entry = BIN): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'silent', ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
