import type { PageVisit } from '../domain/page-visit.js';
import type { TabAggregate } from '../domain/tab-aggregate.js';

export type PageVisitOutcome = 'inserted' | 'updated' | 'unchanged' | 'id_conflict';
export type TabAggregateOutcome = PageVisitOutcome | 'immutable_field' | 'unknown_page_visit';

/** A stored record with the columns the service owns. */
export interface Stored<T> {
  userId: string;
  record: T;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Batch-shaped repositories: one call per record type per batch, so an adapter can do the
 * work in one statement. Ids passed in one call are distinct (the batch is collapsed first).
 */
export interface PageVisitRepository {
  /**
   * Inserts new ids and applies last-write-wins to the user's own ids. Identical content
   * writes nothing; an id owned by another user is reported and left untouched.
   */
  upsert(userId: string, visits: readonly PageVisit[], now: Date): Promise<ReadonlyMap<string, PageVisitOutcome>>;
  findById(id: string): Promise<Stored<PageVisit> | null>;
}

export interface TabAggregateRepository {
  /**
   * Inserts new ids (whose page visit must be the same user's, stored earlier or in this
   * transaction) and merges known ids so that they never become less complete.
   */
  upsert(userId: string, aggregates: readonly TabAggregate[], now: Date): Promise<ReadonlyMap<string, TabAggregateOutcome>>;
  findById(id: string): Promise<Stored<TabAggregate> | null>;
}

export interface Repositories {
  pageVisits: PageVisitRepository;
  tabAggregates: TabAggregateRepository;
}

/** What a unit of work decided: keep its writes, or discard them and still return a value. */
export interface Decision<T> {
  commit: boolean;
  value: T;
}

export const commit = <T>(value: T): Decision<T> => ({ commit: true, value });
export const rollback = <T>(value: T): Decision<T> => ({ commit: false, value });

/**
 * One transaction. `work` may run more than once: adapters retry it from the start on
 * transient conflicts (deadlock, serialization failure), so it must not keep state outside.
 * Repository calls take effect in the order they are made, even when `work` does not wait
 * for one before making the next: a tabAggregate sees the pageVisits upserted before it.
 */
export interface UnitOfWork {
  run<T>(work: (repositories: Repositories) => Promise<Decision<T>>): Promise<T>;
}

export interface Clock {
  now(): Date;
}
