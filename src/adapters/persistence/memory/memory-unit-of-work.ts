import type { Decision, Repositories, UnitOfWork } from '../../../application/ports.js';
import { MemoryPageVisitRepository } from './memory-page-visit-repository.js';
import { MemoryStore } from './memory-store.js';
import { MemoryTabAggregateRepository } from './memory-tab-aggregate-repository.js';

/**
 * Transactions run one at a time (the store's lock) against the live tables; a copy taken at
 * the start is put back when the work throws or decides to roll back.
 */
export class MemoryUnitOfWork implements UnitOfWork {
  private readonly repositories: Repositories;

  constructor(readonly store: MemoryStore = new MemoryStore()) {
    this.repositories = {
      pageVisits: new MemoryPageVisitRepository(store),
      tabAggregates: new MemoryTabAggregateRepository(store),
    };
  }

  run<T>(work: (repositories: Repositories) => Promise<Decision<T>>): Promise<T> {
    return this.store.exclusive(async () => {
      const before = structuredClone(this.store.tables);
      try {
        const decision = await work(this.repositories);
        if (!decision.commit) this.store.tables = before;
        return decision.value;
      } catch (error) {
        this.store.tables = before;
        throw error;
      }
    });
  }
}
