import 'reflect-metadata';
import { Container } from 'inversify';
import type Koa from 'koa';
import type postgres from 'postgres';
import type { Clock, UnitOfWork } from './application/ports.js';
import { SyncBatch } from './application/sync-batch.js';
import { JwtVerifier } from './adapters/auth/jwt-verifier.js';
import { verificationKeyFromConfig } from './adapters/auth/key-from-config.js';
import type { VerificationKey } from './adapters/auth/verification-key.js';
import type { TokenVerifier } from './adapters/http/authenticate.js';
import type { ReadinessCheck } from './adapters/http/health-routes.js';
import { CaptureWriter } from './adapters/capture/capture-writer.js';
import { createHttpApp } from './adapters/http/http-app.js';
import type { UserLimits } from './adapters/http/rate-limit.js';
import { InstrumentedUnitOfWork } from './adapters/metrics/instrumented-unit-of-work.js';
import { ServiceMetrics } from './adapters/metrics/service-metrics.js';
import { UserRateLimits } from './adapters/rate-limit/user-rate-limits.js';
import type { Logger } from './adapters/logger.js';
import { MemoryUnitOfWork } from './adapters/persistence/memory/memory-unit-of-work.js';
import { openDatabase, type Database } from './adapters/persistence/postgres/database.js';
import { Migrator } from './adapters/persistence/postgres/migrator.js';
import { PostgresUnitOfWork } from './adapters/persistence/postgres/postgres-unit-of-work.js';
import { SchemaReadiness } from './adapters/persistence/postgres/schema-readiness.js';
import { systemClock } from './adapters/system-clock.js';
import type { Config } from './config.js';

/** Port and adapter tokens. Domain and application code never sees these. */
export const TOKENS = {
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  Sql: Symbol.for('Sql'),
  Migrator: Symbol.for('Migrator'),
  SchemaReadiness: Symbol.for('SchemaReadiness'),
  Readiness: Symbol.for('Readiness'),
  UnitOfWork: Symbol.for('UnitOfWork'),
  Clock: Symbol.for('Clock'),
  SyncBatch: Symbol.for('SyncBatch'),
  VerificationKey: Symbol.for('VerificationKey'),
  TokenVerifier: Symbol.for('TokenVerifier'),
  HttpApp: Symbol.for('HttpApp'),
  CaptureWriter: Symbol.for('CaptureWriter'),
  Metrics: Symbol.for('Metrics'),
  UserLimits: Symbol.for('UserLimits'),
} as const;

export interface BuildOptions {
  /** `memory` keeps everything in the process (tests, dry runs); default is PostgreSQL. */
  persistence?: 'postgres' | 'memory';
  /** An already open database (tests share one); otherwise one is opened from the config. */
  database?: Database;
  /** Overrides for tests, applied after the defaults (e.g. a fixed Clock). */
  clock?: Clock;
}

export interface AppContainer {
  container: Container;
  /** Closes what the container opened (the pool, the embedded database). */
  close(): Promise<void>;
}

/** The one container builder: the server, the CLI and the tests all wire through it. */
export async function buildContainer(config: Config, logger: Logger, options: BuildOptions = {}): Promise<AppContainer> {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind<Config>(TOKENS.Config).toConstantValue(config);
  container.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  container.bind<Clock>(TOKENS.Clock).toConstantValue(options.clock ?? systemClock);

  let close = async () => {};
  if (config.capture.dir !== undefined) {
    const dir = config.capture.dir;
    container
      .bind<CaptureWriter>(TOKENS.CaptureWriter)
      .toResolvedValue(
        (cfg: Config, clock: Clock, log: Logger) =>
          new CaptureWriter({ dir, maxFileBytes: cfg.capture.maxFileBytes, maxQueueBytes: cfg.capture.maxQueueBytes, clock, logger: log }),
        [TOKENS.Config, TOKENS.Clock, TOKENS.Logger],
      );
  }
  if (options.persistence === 'memory') {
    container.bind<UnitOfWork>(TOKENS.UnitOfWork).toConstantValue(new MemoryUnitOfWork());
    container.bind<ReadinessCheck>(TOKENS.Readiness).toConstantValue({ ready: async () => true });
  } else {
    const database = options.database ?? (await openDatabase(config.database));
    if (options.database === undefined) close = () => database.close();
    container.bind<postgres.Sql>(TOKENS.Sql).toConstantValue(database.sql);
    container.bind<Migrator>(TOKENS.Migrator).toResolvedValue((sql: postgres.Sql) => new Migrator(sql), [TOKENS.Sql]);
    container
      .bind<SchemaReadiness>(TOKENS.SchemaReadiness)
      .toResolvedValue((sql: postgres.Sql, migrator: Migrator, log: Logger) => new SchemaReadiness(sql, migrator, log), [
        TOKENS.Sql,
        TOKENS.Migrator,
        TOKENS.Logger,
      ]);
    container.bind<ReadinessCheck>(TOKENS.Readiness).toService(TOKENS.SchemaReadiness);
    container
      .bind<UnitOfWork>(TOKENS.UnitOfWork)
      .toResolvedValue(
        (sql: postgres.Sql, metrics: ServiceMetrics, cfg: Config) =>
          new InstrumentedUnitOfWork(
            new PostgresUnitOfWork(sql, {
              onRetry: (_attempt, sqlstate) => metrics.transactionRetries.inc({ sqlstate }),
              deadlines: cfg.databaseDeadlines,
            }),
            metrics,
          ),
        [TOKENS.Sql, TOKENS.Metrics, TOKENS.Config],
      );
  }
  container
    .bind<ServiceMetrics>(TOKENS.Metrics)
    .toResolvedValue((sql: postgres.Sql | undefined) => new ServiceMetrics({ poolMax: sql?.options.max ?? 0 }), [
      { serviceIdentifier: TOKENS.Sql, optional: true },
    ]);
  container
    .bind<UserLimits>(TOKENS.UserLimits)
    .toResolvedValue((cfg: Config, sql: postgres.Sql | undefined, log: Logger) => new UserRateLimits(cfg.rateLimit, sql, log), [
      TOKENS.Config,
      { serviceIdentifier: TOKENS.Sql, optional: true },
      TOKENS.Logger,
    ]);

  container
    .bind<SyncBatch>(TOKENS.SyncBatch)
    .toResolvedValue(
      (unitOfWork: UnitOfWork, clock: Clock, cfg: Config) =>
        new SyncBatch(unitOfWork, clock, { maxRecordsPerType: cfg.sync.maxRecordsPerType }),
      [TOKENS.UnitOfWork, TOKENS.Clock, TOKENS.Config],
    );
  container
    .bind<VerificationKey>(TOKENS.VerificationKey)
    .toResolvedValue((cfg: Config, log: Logger) => verificationKeyFromConfig(cfg, (line) => log.info(line)), [
      TOKENS.Config,
      TOKENS.Logger,
    ]);
  container
    .bind<TokenVerifier>(TOKENS.TokenVerifier)
    .toResolvedValue(
      (key: VerificationKey, cfg: Config) =>
        new JwtVerifier(key, {
          issuer: cfg.auth.issuer,
          audience: cfg.auth.audience,
          clockToleranceSeconds: cfg.auth.clockToleranceSeconds,
        }),
      [TOKENS.VerificationKey, TOKENS.Config],
    );
  container
    .bind<Koa>(TOKENS.HttpApp)
    .toResolvedValue(
      (
        syncBatch: SyncBatch,
        verifier: TokenVerifier,
        readiness: ReadinessCheck,
        log: Logger,
        cfg: Config,
        clock: Clock,
        capture: CaptureWriter | undefined,
        metrics: ServiceMetrics,
        userLimits: UserLimits,
      ) => {
        if (capture !== undefined) metrics.reportCaptureDropsFrom(() => capture.dropped);
        return createHttpApp({
          syncBatch,
          verifier,
          readiness,
          logger: log,
          maxBodyBytes: cfg.sync.maxBodyBytes,
          corsOrigins: cfg.http.corsOrigins,
          capture: capture === undefined ? undefined : { sink: capture, clock },
          metrics,
          metricsToken: cfg.metrics.token,
          userLimits,
          maxConcurrentBatchesPerUser: cfg.rateLimit.maxConcurrentBatches,
          maxRecordsPerType: cfg.sync.maxRecordsPerType,
        });
      },
      [
        TOKENS.SyncBatch,
        TOKENS.TokenVerifier,
        TOKENS.Readiness,
        TOKENS.Logger,
        TOKENS.Config,
        TOKENS.Clock,
        { serviceIdentifier: TOKENS.CaptureWriter, optional: true },
        TOKENS.Metrics,
        TOKENS.UserLimits,
      ],
    );

  return {
    container,
    async close() {
      // Queued capture lines are flushed before the database goes: both are part of shutdown.
      if (container.isBound(TOKENS.CaptureWriter)) await container.get<CaptureWriter>(TOKENS.CaptureWriter).close();
      await close();
    },
  };
}
