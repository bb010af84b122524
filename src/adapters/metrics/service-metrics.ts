import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SyncBatchResult } from '../../application/sync-batch.js';

export interface ServiceMetricsOptions {
  /** Connections the database pool may open (1 for the embedded database). */
  poolMax: number;
  /** Node process metrics (CPU, memory, event loop, GC); off in tests that build many apps. */
  processMetrics?: boolean;
}

/**
 * Everything `/metrics` shows, on a registry of its own (never prom-client's global one),
 * so several apps in one process (tests) do not share counts.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly records = new Counter({
    name: 'sync_records_total',
    help: 'Records received in sync batches, by type and outcome (inserted, updated, unchanged, rejected)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly rejectedRecords = new Counter({
    name: 'sync_rejected_records_total',
    help: 'Failed-record entries of 400 validation_failed answers, by failure code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'rate_limited_requests_total',
    help: 'Requests answered 429, by the limit that refused them (requests, records, concurrency)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly transactionRetries = new Counter({
    name: 'db_transaction_retries_total',
    help: 'Sync transactions retried after a deadlock, a serialization failure or a race for a new id, by SQLSTATE',
    labelNames: ['sqlstate'] as const,
    registers: [this.registry],
  });

  readonly transactionsInFlight = new Gauge({
    name: 'db_transactions_in_flight',
    help: 'Sync transactions started and not yet finished (running or waiting for a pool connection)',
    registers: [this.registry],
  });

  private readonly poolMaxGauge = new Gauge({
    name: 'db_pool_max_connections',
    help: 'Connections the database pool may open',
    registers: [this.registry],
  });

  private inFlight = 0;
  private captureDrops: () => number = () => 0;

  constructor(private readonly options: ServiceMetricsOptions) {
    this.poolMaxGauge.set(options.poolMax);
    const metrics = this;
    // postgres.js does not publish its pool state; every sync transaction holds one
    // connection for its whole life, so in-flight transactions beyond the pool size wait.
    new Gauge({
      name: 'db_pool_connections_in_use',
      help: 'Pool connections held by sync transactions (estimate: min(in-flight transactions, pool size))',
      registers: [this.registry],
      collect() {
        this.set(Math.min(metrics.inFlight, metrics.options.poolMax));
      },
    });
    new Gauge({
      name: 'db_pool_waiting',
      help: 'Sync transactions waiting for a pool connection (estimate: in-flight transactions beyond the pool size)',
      registers: [this.registry],
      collect() {
        this.set(Math.max(0, metrics.inFlight - metrics.options.poolMax));
      },
    });
    new Gauge({
      name: 'capture_dropped_lines',
      help: 'Capture lines dropped since start (queue full, disk refused, writer closed); 0 when CAPTURE_DIR is unset',
      registers: [this.registry],
      collect() {
        this.set(metrics.captureDrops());
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  transactionStarted(): void {
    this.inFlight++;
    this.transactionsInFlight.inc();
  }

  transactionFinished(): void {
    this.inFlight--;
    this.transactionsInFlight.dec();
  }

  /** The capture writer's running count of dropped requests, read at each scrape. */
  reportCaptureDropsFrom(dropped: () => number): void {
    this.captureDrops = dropped;
  }

  observeSyncResult(result: SyncBatchResult): void {
    switch (result.status) {
      case 'ok':
        for (const [type, counts] of [['pageVisit', result.pageVisits], ['tabAggregate', result.tabAggregates]] as const) {
          for (const outcome of ['inserted', 'updated', 'unchanged'] as const) {
            if (counts[outcome] > 0) this.records.inc({ type, outcome }, counts[outcome]);
          }
        }
        return;
      case 'rejected':
        {
          // A record with several problems is one rejected record.
          const rejected = new Set<string>();
          for (const failure of result.failures) {
            this.rejectedRecords.inc({ code: failure.code });
            const key = `${failure.type}:${failure.index}`;
            if (failure.type === 'batch' || rejected.has(key)) continue;
            rejected.add(key);
            this.records.inc({ type: failure.type, outcome: 'rejected' });
          }
        }
        return;
      case 'too_many_records':
        return;
    }
  }
}
