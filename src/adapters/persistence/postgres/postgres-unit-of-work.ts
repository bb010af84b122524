import type postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Decision, Repositories, UnitOfWork } from '../../../application/ports.js';
import { beginWithin } from './begin-within.js';
import { PostgresPageVisitRepository } from './postgres-page-visit-repository.js';
import { PostgresTabAggregateRepository } from './postgres-tab-aggregate-repository.js';
import { classifySqlError, isDatabaseError, toServiceError } from './sql-errors.js';

export interface RetryPolicy {
  attempts: number;
  /** Base delay; each retry waits a random time up to base × 2^attempt. */
  baseDelayMs: number;
}

export interface TransactionRetryObserver {
  (attempt: number, reason: string): void;
}

/** Thrown inside `sql.begin` to roll back a transaction whose work decided not to commit. */
class RollbackRequested extends Error {}

/**
 * `sql.begin` commits when the callback resolves and rolls back when it throws. The whole
 * transaction is retried on deadlock and serialization failure, so none reaches a client.
 */
export class PostgresUnitOfWork implements UnitOfWork {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly retry: RetryPolicy = { attempts: 5, baseDelayMs: 5 },
    private readonly onRetry: TransactionRetryObserver = () => {},
    /** How long a transaction waits for a connection before the batch is answered 503. */
    private readonly acquireTimeoutMs = 10_000,
  ) {}

  async run<T>(work: (repositories: Repositories) => Promise<Decision<T>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let decision: Decision<T> | undefined;
      try {
        await beginWithin(this.sql, this.acquireTimeoutMs, async (tx) => {
          decision = await work({
            pageVisits: new PostgresPageVisitRepository(tx),
            tabAggregates: new PostgresTabAggregateRepository(tx),
          });
          if (!decision.commit) throw new RollbackRequested();
        });
        return (decision as Decision<T>).value;
      } catch (error) {
        if (error instanceof RollbackRequested && decision !== undefined) return decision.value;
        if (classifySqlError(error) === 'transient' && attempt < this.retry.attempts) {
          this.onRetry(attempt, (error as { code: string }).code);
          await sleep(Math.random() * this.retry.baseDelayMs * 2 ** attempt);
          continue;
        }
        // Errors thrown by the work itself pass through untouched.
        throw isDatabaseError(error) ? toServiceError(error) : error;
      }
    }
  }
}
