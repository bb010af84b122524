import { Command, InvalidArgumentError } from 'commander';
import type { SyncBatch } from '../../application/sync-batch.js';
import { buildContainer, TOKENS } from '../../main.js';
import type { Migrator } from '../persistence/postgres/migrator.js';
import { httpReplayTarget } from './http-replay-target.js';
import { ReplayAbortedError, UsageError } from './replay-errors.js';
import { readReplayInput, resolveSources } from './replay-input.js';
import { ReplayReport } from './replay-report.js';
import { runReplay } from './replay-runner.js';
import type { ReplayTarget } from './replay-target.js';
import { EXIT, loadRuntime, runCommand } from './runtime.js';
import { useCaseReplayTarget } from './use-case-replay-target.js';

export interface ReplayOptions {
  user?: string;
  to?: string;
  token?: string;
  dryRun?: boolean;
  concurrency: number;
  retries: number;
  json?: boolean;
}

export interface ReplayIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether stderr is a terminal (progress bar) or not (plain lines). */
  interactive: boolean;
}

/** Opens where the batches go; the tests pass their own (an in-memory or test database). */
export type ConnectTarget = (options: ReplayOptions) => Promise<ReplayTarget>;

/**
 * The most one line (a batch with its capture envelope) or one pretty-printed document may
 * take: ample for the 5 MiB default body limit, and what bounds the reader's memory.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** The programmatic entry: everything `browsing-sync replay` does, returning the exit code. */
export async function replay(files: string[], options: ReplayOptions, io: ReplayIo, connect: ConnectTarget, maxLineBytes = MAX_LINE_BYTES): Promise<number> {
  let target: ReplayTarget;
  let sources;
  try {
    checkOptions(options);
    sources = await resolveSources(files, io.stdin);
    target = await connect(options);
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  const totalBytes = sources.every((source) => source.size !== undefined)
    ? sources.reduce((sum, source) => sum + (source.size ?? 0), 0)
    : undefined;
  const report = new ReplayReport(
    { out: io.stdout, err: io.stderr, progressBar: io.interactive, json: options.json === true, totalBytes },
    target.description,
    options.dryRun === true,
  );
  try {
    await runReplay(readReplayInput(sources, maxLineBytes), target, { concurrency: options.concurrency, defaultUser: options.user }, report);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ReplayAbortedError)) throw error;
    report.finish(error.message);
    return EXIT.usage;
  } finally {
    await target.close();
  }
  const summary = report.finish();
  return summary.batches.failed + summary.batches.malformed > 0 ? EXIT.refused : EXIT.ok;
}

function checkOptions(options: ReplayOptions): void {
  if ((options.to === undefined) !== (options.token === undefined)) throw new UsageError('--to and --token go together');
  if (options.to !== undefined && options.dryRun) throw new UsageError('--dry-run works on the database only; a running service has no dry run');
  if (options.to !== undefined && !URL.canParse(options.to)) throw new UsageError(`--to: ${options.to} is not a URL`);
}

/** `--to`: over HTTP, no database opened. Otherwise the container the server uses, on DATABASE_URL or DATA_DIR. */
export const connectTarget: ConnectTarget = async (options) => {
  if (options.to !== undefined && options.token !== undefined) {
    return httpReplayTarget({ url: options.to, token: options.token, retries: options.retries });
  }
  const { config, logger } = loadRuntime();
  const app = await buildContainer(config, logger);
  try {
    const migrator = app.container.get<Migrator>(TOKENS.Migrator);
    if (options.dryRun) {
      const { pending } = await migrator.status();
      if (pending.length > 0) throw new UsageError(`the database lacks ${pending.length} migration(s); a dry run writes nothing, so run \`browsing-sync migrate\` first`);
    } else {
      await migrator.migrate();
    }
    return useCaseReplayTarget(app.container.get<SyncBatch>(TOKENS.SyncBatch), {
      dryRun: options.dryRun === true,
      description: config.database.url === undefined ? `the embedded database in ${config.database.dataDir}` : 'the database at DATABASE_URL',
      close: () => app.close(),
    });
  } catch (error) {
    await app.close();
    throw error;
  }
};

function positiveInt(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer of at least ${min}`);
    return n;
  };
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('feed captured or hand-written batches through the sync use case (into the database), or to a running service')
    .argument('[files...]', 'capture files, JSON files holding one batch, NDJSON files with one batch per line, or - for standard input')
    .option('--user <sub>', 'the user id for batches that carry none (capture lines carry their own)')
    .option('--to <url>', 'POST the batches to a running service at this URL instead of opening the database')
    .option('--token <jwt>', 'the access token for --to (its user owns every batch sent)')
    .option('--dry-run', 'run every check, storage rules included, then roll back: nothing is written')
    .option('--concurrency <n>', 'batches in flight at once; each user\'s batches stay in input order', positiveInt(1), 1)
    .option('--retries <n>', 'with --to: further attempts after 429, 503 or a network error, honouring Retry-After', positiveInt(0), 5)
    .option('--json', 'print the summary (and the first failures) as JSON on stdout')
    // Commander's own usage errors exit 1, which replay means for a refused batch.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .addHelpText(
      'after',
      `
Exit codes: 0 every batch stored, 1 some batch refused or some line malformed, 2 usage or connection error.
Replaying the same input again changes nothing. See docs/cli.md.

Examples:
  browsing-sync replay captures/capture-20261203T131400Z-4711-0001.ndjson
  browsing-sync replay --user alice batch.json more.ndjson
  cat batches.ndjson | browsing-sync replay --user alice --dry-run -
  browsing-sync replay --to http://127.0.0.1:3000 --token "$(browsing-sync token --sub alice)" batch.json`,
    )
    .action((files: string[], options: ReplayOptions) =>
      runCommand(() =>
        replay(files, options, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, interactive: process.stderr.isTTY === true }, connectTarget),
      ),
    );
}
