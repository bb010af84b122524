import type postgres from 'postgres';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../logger.js';
import type { Refusal, UserLimits } from '../http/rate-limit.js';
import { pgStyleClient } from './postgres-store-client.js';

export interface UserRateLimitSettings {
  requestsPerMinute: number;
  recordsPerMinute: number;
  /** `postgres` shares the counts between instances through the `rate_limits` table. */
  store: 'memory' | 'postgres';
}

/** Created by migrations/002_rate_limits.sql, in the shape RateLimiterPostgres expects. */
const TABLE = 'rate_limits';

/** A shared-store answer slower than this is not waited for: the local limiter decides. */
const STORE_TIMEOUT_MS = 1_000;

type Limiter = { primary: RateLimiterAbstract; local: RateLimiterAbstract | undefined };

/**
 * Per-user limits over a fixed one-minute window, with rate-limiter-flexible. With the
 * PostgreSQL store, an in-memory limiter stands in while the database fails or hangs, so
 * a database outage never turns into 500s or stalls here (the sync itself answers 503).
 */
export class UserRateLimits implements UserLimits {
  private readonly requests: Limiter | undefined;
  private readonly records: Limiter | undefined;

  constructor(
    private readonly settings: UserRateLimitSettings,
    sql: postgres.Sql | undefined,
    private readonly logger: Logger,
  ) {
    this.requests = this.limiter('requests', settings.requestsPerMinute, sql);
    this.records = this.limiter('records', settings.recordsPerMinute, sql);
  }

  admitRequest(userId: string): Promise<Refusal | null> {
    return this.take(this.requests, userId, 1);
  }

  /** A batch larger than the whole budget costs the whole budget, so it can still pass once. */
  admitRecords(userId: string, count: number): Promise<Refusal | null> {
    if (count === 0) return Promise.resolve(null);
    return this.take(this.records, userId, Math.min(count, this.settings.recordsPerMinute));
  }

  private async take(limiter: Limiter | undefined, userId: string, points: number): Promise<Refusal | null> {
    if (limiter === undefined) return null;
    try {
      const consumed = limiter.primary.consume(userId, points);
      if (limiter.local === undefined) {
        await consumed;
        return null;
      }
      const local = limiter.local;
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), STORE_TIMEOUT_MS);
      });
      consumed.catch(() => {});
      const first = await Promise.race([consumed, slow]).finally(() => clearTimeout(timer));
      if (first === 'slow') await local.consume(userId, points);
      return null;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return { retryAfterMs: outcome.msBeforeNext };
      // Only reachable if the insurance limiter fails too: let the request through.
      this.logger.warn({ err: outcome }, 'rate limiter failed; request admitted');
      return null;
    }
  }

  private limiter(keyPrefix: string, perMinute: number, sql: postgres.Sql | undefined): Limiter | undefined {
    if (perMinute === 0) return undefined;
    const options = { keyPrefix, points: perMinute, duration: 60 };
    if (this.settings.store === 'memory') return { primary: new RateLimiterMemory(options), local: undefined };
    if (sql === undefined) throw new Error('RATE_LIMIT_STORE=postgres needs the PostgreSQL persistence');
    const local = new RateLimiterMemory(options);
    const primary = new RateLimiterPostgres({
      ...options,
      storeClient: pgStyleClient(sql),
      storeType: 'client',
      tableName: TABLE,
      tableCreated: true,
      // Used by the library when the store fails; `take` uses it when the store hangs.
      insuranceLimiter: local,
    });
    return { primary, local };
  }
}
