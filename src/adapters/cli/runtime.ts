import { ConfigError, loadConfig, type Config } from '../../config.js';
import { DataDirLockedError } from '../persistence/postgres/data-dir-lock.js';
import { createLogger, type Logger } from '../logger.js';

/** Exit codes shared by every command: 1 for a refused batch (replay), 2 for usage or connection errors. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export function loadRuntime(): { config: Config; logger: Logger } {
  const config = loadConfig(process.env);
  return { config, logger: createLogger(config.logLevel, config.logPretty) };
}

/** Known failures become one clear line on stderr and exit code 2; anything else is a bug and shows its stack. */
export async function runCommand(action: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await action()) ?? EXIT.ok;
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof DataDirLockedError;
    const text = error instanceof Error ? (known || !process.env['DEBUG'] ? error.message : (error.stack ?? error.message)) : String(error);
    process.stderr.write(`${text}\n`);
    process.exitCode = EXIT.usage;
  }
}
