import type { Stored } from '../../../application/ports.js';
import type { PageVisit } from '../../../domain/page-visit.js';
import type { TabAggregate } from '../../../domain/tab-aggregate.js';

export interface MemoryTables {
  pageVisits: Map<string, Stored<PageVisit>>;
  tabAggregates: Map<string, Stored<TabAggregate>>;
}

/** The in-memory "database": tables of copies, and the lock that serialises transactions. */
export class MemoryStore {
  tables: MemoryTables = { pageVisits: new Map(), tabAggregates: new Map() };
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it, like a single database connection. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
