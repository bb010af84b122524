/**
 * `npm run bench`: how close the service gets to what PostgreSQL itself takes, measured in
 * one run on the same rows. See docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { signToken } from '../src/adapters/auth/token-signer.js';
import { createBenchDatabase, preload, type BenchDatabase } from './bench-database.js';
import { writeDirect } from './ceiling.js';
import { cpuMeter } from './cpu-time.js';
import { SyncClient, type SyncRequest } from './http-load.js';
import { batchSet, largeBody, rowCount, wireBody, type BenchBatch } from './records.js';
import { formatTable, target, type BenchReport, type PhaseResult } from './report.js';
import { memoryOf, sampleRss, startService, type ServiceProcess } from './service-process.js';
import { summarise } from './summary.js';

/** The heap setting docs/performance.md recommends for deployments (NODE_OPTIONS). */
const DEFAULT_NODE_FLAGS = '--max-old-space-size=128';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    pool: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string', default: DEFAULT_NODE_FLAGS },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`usage: npm run bench -- [--quick] [--json] [--pool N] [--cpu-prof DIR]

  BENCH_DATABASE_URL  server to run on (default postgres://postgres@127.0.0.1:5432/postgres);
                      the bench creates a database of its own there and drops it at the end
  --quick             smaller run (about a quarter of the rows, 100k preloaded rows)
  --json              print the results as JSON instead of a table
  --pool N            DATABASE_POOL_MAX for the service (default: the service's default)
  --cpu-prof DIR      run the service under node --cpu-prof, profiles written to DIR
  --node-flags=FLAGS  node flags for the service (default "${DEFAULT_NODE_FLAGS}"; "" for none)
`);
  process.exit(0);
}

const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const THROUGHPUT_CONCURRENCY = 16;
const LATENCY_CONCURRENCY = 4;
const BIG_BODY_CONCURRENCY = 64;
const BIG_BODY_BYTES = 5 * 1024 * 1024 - 16 * 1024;
const MAX_RSS_BYTES = 256 * 1024 * 1024;

const sizes = args.quick
  ? { standard: 100, latency: 100, large: 10, preload: 100_000, warmup: 100, users: 100 }
  : { standard: 400, latency: 300, large: 40, preload: 1_000_000, warmup: 100, users: 200 };
const poolMax = args.pool === undefined ? undefined : Number(args.pool);
const nodeFlags = (args['node-flags'] ?? '').split(' ').filter(Boolean);

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const secret = randomBytes(32).toString('hex');
  progress('generating rows');
  const warmup = batchSet({ seed: 1, batches: sizes.warmup, perType: 100, users: sizes.users, userPrefix: 'warmup' });
  const standard = batchSet({ seed: 2, batches: sizes.standard, perType: 100, users: sizes.users, userPrefix: 'user' });
  const latency = batchSet({ seed: 3, batches: sizes.latency, perType: 100, users: sizes.users, userPrefix: 'user' });
  const large = batchSet({ seed: 4, batches: sizes.large, perType: 1000, users: sizes.users, userPrefix: 'user' });
  const grown = batchSet({ seed: 5, batches: sizes.standard, perType: 100, users: sizes.users, userPrefix: 'user' });
  const bigBodies = Array.from({ length: BIG_BODY_CONCURRENCY }, (_, i) => largeBody(100 + i, 1000, BIG_BODY_BYTES));

  const tokens = new Map<string, string>();
  for (const batch of [...warmup, ...standard, ...latency, ...large, ...grown, ...bigBodies]) {
    if (!tokens.has(batch.userId)) tokens.set(batch.userId, await signToken(secret, { sub: batch.userId, ttlSeconds: 3600 }));
  }
  const requestsOf = (batches: readonly BenchBatch[]): SyncRequest[] =>
    batches.map((batch) => ({ token: tokens.get(batch.userId) as string, body: wireBody(batch) }));

  progress(`creating a database on ${new URL(SERVER_URL).host}`);
  const db = await createBenchDatabase(SERVER_URL, THROUGHPUT_CONCURRENCY);
  let service: ServiceProcess | undefined;
  const stopAll = async () => {
    await service?.stop();
    await db.drop();
  };
  process.once('SIGINT', () => {
    void stopAll().finally(() => process.exit(130));
  });
  try {
    const postgresVersion = (await db.sql<{ version: string }[]>`SELECT version()`)[0]?.version.split(' ').slice(0, 2).join(' ') ?? '?';
    service = await startService({ databaseUrl: db.url, jwtSecret: secret, poolMax, cpuProfileDir: args['cpu-prof'], nodeFlags });
    const phases: PhaseResult[] = [];

    const ceilingPhase = async (name: string, batches: BenchBatch[]) => {
      await db.truncate();
      await writeDirect(db.sql, warmup, THROUGHPUT_CONCURRENCY);
      await db.truncate();
      progress(name);
      const cpu = await cpuMeter(db.sql, db.name, (service as ServiceProcess).pid);
      const { latenciesMs, seconds } = await writeDirect(db.sql, batches, THROUGHPUT_CONCURRENCY);
      const used = await cpu.stop();
      const phase: PhaseResult = {
        name,
        kind: 'ceiling',
        concurrency: THROUGHPUT_CONCURRENCY,
        figures: summarise(latenciesMs, rowCount(batches), seconds, 0),
        peakRssBytes: undefined,
        ratioToCeiling: 1,
        failures: {},
        serviceCpuMsPerBatch: used.serviceMs / batches.length,
        databaseCpuMsPerBatch: used.databaseMs / batches.length,
      };
      phases.push(phase);
      await db.truncate();
      return phase;
    };
    const httpPhase = async (name: string, requests: SyncRequest[], rows: number, concurrency: number, ceiling: PhaseResult | undefined) => {
      progress(name);
      const rss = sampleRss((service as ServiceProcess).pid);
      const cpu = await cpuMeter(db.sql, db.name, (service as ServiceProcess).pid);
      const { latenciesMs, seconds, failures } = await send(requests, concurrency);
      const used = await cpu.stop();
      const errors = [...failures.values()].reduce((sum, n) => sum + n, 0);
      const figures = summarise(latenciesMs, rows, seconds, errors);
      const phase: PhaseResult = {
        name,
        kind: 'http',
        concurrency,
        figures,
        peakRssBytes: rss.stop(),
        ratioToCeiling: ceiling === undefined ? undefined : figures.rowsPerSecond / ceiling.figures.rowsPerSecond,
        failures: Object.fromEntries(failures),
        serviceCpuMsPerBatch: used.serviceMs / requests.length,
        databaseCpuMsPerBatch: used.databaseMs / requests.length,
      };
      phases.push(phase);
      return phase;
    };

    // A fresh agent per phase: a keep-alive socket left idle between phases may be closed by
    // the server just as the client reuses it (ECONNRESET), which is not the service's fault.
    const send = async (requests: SyncRequest[], concurrency: number) => {
      const client = new SyncClient((service as ServiceProcess).baseUrl, concurrency);
      try {
        return await client.run(requests, concurrency);
      } finally {
        client.close();
      }
    };

    const ceiling = await ceilingPhase('ceiling, direct SQL, 100+100', standard);
    // Warm-up: both paths (new records, then the same again), so that the measured phases
    // see compiled code, as a service that has been running for a while does.
    const warmupRequests = requestsOf(warmup);
    await send(warmupRequests, THROUGHPUT_CONCURRENCY);
    await send(warmupRequests, THROUGHPUT_CONCURRENCY);
    await db.truncate();
    const standardRequests = requestsOf(standard);
    const first = await httpPhase('first sends, 100+100', standardRequests, rowCount(standard), THROUGHPUT_CONCURRENCY, ceiling);
    const resent = await httpPhase('re-sends, 100+100', standardRequests, rowCount(standard), THROUGHPUT_CONCURRENCY, ceiling);
    const latencyPhase = await httpPhase('first sends, 100+100 (latency)', requestsOf(latency), rowCount(latency), LATENCY_CONCURRENCY, ceiling);

    const largeCeiling = await ceilingPhase('ceiling, direct SQL, 1000+1000', large);
    await httpPhase('first sends, 1000+1000', requestsOf(large), rowCount(large), THROUGHPUT_CONCURRENCY, largeCeiling);

    await db.truncate();
    progress(`preloading ${sizes.preload} rows`);
    await preload(db.sql, sizes.preload, sizes.users * 5);
    const grownPhase = await httpPhase(`first sends, 100+100, ${sizes.preload / 1000}k rows stored`, requestsOf(grown), rowCount(grown), THROUGHPUT_CONCURRENCY, ceiling);

    const bigRequests = requestsOf(bigBodies);
    const big = await httpPhase(
      '64 concurrent 5 MiB bodies',
      bigRequests,
      rowCount(bigBodies),
      BIG_BODY_CONCURRENCY,
      undefined,
    );

    const servicePeakRssBytes = memoryOf(service.pid)?.peakBytes ?? 0;
    const report: BenchReport = {
      startedAt,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? '?',
        memoryGiB: Math.round(totalmem() / 1024 ** 3),
        node: process.version,
        postgres: postgresVersion,
      },
      settings: {
        quick: args.quick,
        servicePoolMax: poolMax ?? 'default',
        serviceNodeFlags: nodeFlags.join(' ') || 'none',
        throughputConcurrency: THROUGHPUT_CONCURRENCY,
        latencyConcurrency: LATENCY_CONCURRENCY,
        preloadedRows: sizes.preload,
      },
      phases,
      servicePeakRssBytes,
      targets: [
        target('first sends / ceiling', first.ratioToCeiling ?? 0, 'min', 0.7, 'x'),
        target('re-sends / first sends', resent.figures.rowsPerSecond / first.figures.rowsPerSecond, 'min', 1.5, 'x'),
        target('p99 at concurrency 4, 100+100', latencyPhase.figures.p99Ms, 'max', 50, 'ms'),
        target('peak service RSS (whole run)', Math.max(servicePeakRssBytes, big.peakRssBytes ?? 0), 'max', MAX_RSS_BYTES, 'MB'),
        target('grown tables / empty tables', grownPhase.figures.rowsPerSecond / first.figures.rowsPerSecond, 'min', 0.8, 'x'),
      ],
    };
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n`);
  } finally {
    progress('cleaning up');
    await stopAll();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
