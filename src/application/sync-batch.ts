import { parseBatch, type BatchEntry, type BatchLimits, type ValidBatch } from '../domain/batch.js';
import type { FailedRecord, RecordType } from '../domain/failed-record.js';
import { ServiceError } from './errors.js';
import { commit, rollback, type Clock, type TabAggregateOutcome, type UnitOfWork } from './ports.js';

export interface RecordCounts {
  /** Array entries received. */
  received: number;
  /** Distinct ids, by what storing them did. */
  inserted: number;
  updated: number;
  unchanged: number;
}

export type SyncBatchResult =
  | { status: 'ok'; pageVisits: RecordCounts; tabAggregates: RecordCounts }
  | { status: 'rejected'; failures: FailedRecord[] }
  | { status: 'too_many_records'; field: 'pageVisits' | 'tabAggregates'; limit: number };

export interface SyncOptions {
  /** Run every check, including the storage rules, then roll back. */
  dryRun?: boolean;
}

/** Stores one batch for one user: all of it, or nothing and the reasons why. */
export class SyncBatch {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly limits: BatchLimits,
  ) {}

  async execute(userId: string, body: unknown, options: SyncOptions = {}): Promise<SyncBatchResult> {
    const parsed = parseBatch(body, this.limits);
    switch (parsed.kind) {
      case 'too_many_records':
        return { status: 'too_many_records', field: parsed.field, limit: parsed.limit };
      case 'invalid':
        return { status: 'rejected', failures: parsed.failures };
      case 'valid':
        return this.store(userId, parsed.batch, options.dryRun === true);
    }
  }

  private async store(userId: string, batch: ValidBatch, dryRun: boolean): Promise<SyncBatchResult> {
    if (batch.pageVisits.length === 0 && batch.tabAggregates.length === 0) {
      return { status: 'ok', pageVisits: counts(batch.received.pageVisits), tabAggregates: counts(batch.received.tabAggregates) };
    }
    const now = this.clock.now();
    try {
      return await this.unitOfWork.run(async ({ pageVisits, tabAggregates }) => {
        // Both issued at once: a transaction applies them in this order (see UnitOfWork), and
        // the database gets the second statement without waiting a round trip for the first.
        const [visitOutcomes, aggregateOutcomes] = await Promise.all([
          batch.pageVisits.length
            ? pageVisits.upsert(userId, batch.pageVisits.map((entry) => entry.record), now)
            : new Map<string, TabAggregateOutcome>(),
          batch.tabAggregates.length
            ? tabAggregates.upsert(userId, batch.tabAggregates.map((entry) => entry.record), now)
            : new Map<string, TabAggregateOutcome>(),
        ]);

        const failures = [
          ...storageFailures('pageVisit', batch.pageVisits, visitOutcomes),
          ...storageFailures('tabAggregate', batch.tabAggregates, aggregateOutcomes),
        ];
        if (failures.length > 0) return rollback<SyncBatchResult>({ status: 'rejected', failures });
        const result: SyncBatchResult = {
          status: 'ok',
          pageVisits: tally(batch.received.pageVisits, visitOutcomes),
          tabAggregates: tally(batch.received.tabAggregates, aggregateOutcomes),
        };
        return dryRun ? rollback(result) : commit(result);
      });
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'storage_rejected_value') {
        return {
          status: 'rejected',
          failures: [{ type: 'batch', index: null, id: null, field: null, code: 'invalid_value', error: 'the batch holds a value the database cannot store' }],
        };
      }
      throw error;
    }
  }
}

function counts(received: number): RecordCounts {
  return { received, inserted: 0, updated: 0, unchanged: 0 };
}

function tally(received: number, outcomes: ReadonlyMap<string, TabAggregateOutcome>): RecordCounts {
  const result = counts(received);
  for (const outcome of outcomes.values()) {
    if (outcome === 'inserted' || outcome === 'updated' || outcome === 'unchanged') result[outcome]++;
  }
  return result;
}

const STORAGE_FAILURES = {
  id_conflict: { field: 'id', error: 'id is already used by another record' },
  unknown_page_visit: { field: 'page_visit_id', error: 'page_visit_id does not name a pageVisit of this user' },
  immutable_field: { field: 'page_visit_id', error: 'page_visit_id cannot change once a tabAggregate is stored' },
} as const;

function storageFailures<T extends { id: string }>(
  type: RecordType,
  entries: BatchEntry<T>[],
  outcomes: ReadonlyMap<string, TabAggregateOutcome>,
): FailedRecord[] {
  const failures: FailedRecord[] = [];
  for (const { record, index, sentId } of entries) {
    const outcome = outcomes.get(record.id);
    if (outcome === undefined) {
      throw new ServiceError('storage_failure', `repository reported no outcome for a ${type}`);
    }
    if (outcome === 'id_conflict' || outcome === 'unknown_page_visit' || outcome === 'immutable_field') {
      failures.push({ type, index, id: sentId, code: outcome, ...STORAGE_FAILURES[outcome] });
    }
  }
  return failures;
}
