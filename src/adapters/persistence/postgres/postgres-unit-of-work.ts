import type postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Decision, Repositories, UnitOfWork } from '../../../application/ports.js';
import { beginWithin, type TransactionDeadlines } from './begin-within.js';
import type { InsertConflicts } from './insert-conflicts.js';
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

export interface UnitOfWorkOptions {
  retry: RetryPolicy;
  onRetry: TransactionRetryObserver;
  /** How long a transaction waits for a connection, and then may run, before the batch is answered 503. */
  deadlines: TransactionDeadlines;
  /** How the first attempt inserts; retries always skip (see InsertConflicts). */
  firstAttemptConflicts: InsertConflicts;
}

const DEFAULTS: UnitOfWorkOptions = {
  retry: { attempts: 5, baseDelayMs: 5 },
  onRetry: () => {},
  deadlines: { acquireTimeoutMs: 10_000, transactionTimeoutMs: 30_000 },
  firstAttemptConflicts: 'fail',
};

/**
 * `sql.begin` commits when the callback resolves and rolls back when it throws. The whole
 * transaction is retried on deadlock and serialization failure, and after a race for a new id
 * (see InsertConflicts), so none reaches a client.
 */
export class PostgresUnitOfWork implements UnitOfWork {
  private readonly options: UnitOfWorkOptions;

  constructor(
    private readonly sql: postgres.Sql,
    options: Partial<UnitOfWorkOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async run<T>(work: (repositories: Repositories) => Promise<Decision<T>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let decision: Decision<T> | undefined;
      try {
        await beginWithin(this.sql, this.options.deadlines, async (tx) => {
          // A retry follows a race, or may meet one: it skips rows committed meanwhile.
          const conflicts = attempt === 1 ? this.options.firstAttemptConflicts : 'skip';
          decision = await work({
            pageVisits: new PostgresPageVisitRepository(tx, conflicts),
            tabAggregates: new PostgresTabAggregateRepository(tx, conflicts),
          });
          if (!decision.commit) throw new RollbackRequested();
        });
        return (decision as Decision<T>).value;
      } catch (error) {
        if (error instanceof RollbackRequested && decision !== undefined) return decision.value;
        if (classifySqlError(error) === 'transient' && attempt < this.options.retry.attempts) {
          this.options.onRetry(attempt, (error as { code: string }).code);
          await sleep(Math.random() * this.options.retry.baseDelayMs * 2 ** attempt);
          continue;
        }
        // Errors thrown by the work itself pass through untouched.
        throw isDatabaseError(error) ? toServiceError(error) : error;
      }
    }
  }
}
