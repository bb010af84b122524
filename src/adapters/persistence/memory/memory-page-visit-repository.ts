import type { PageVisitOutcome, PageVisitRepository, Stored } from '../../../application/ports.js';
import { samePageVisitContent, type PageVisit } from '../../../domain/page-visit.js';
import { latest } from './latest.js';
import type { MemoryStore } from './memory-store.js';

export class MemoryPageVisitRepository implements PageVisitRepository {
  constructor(private readonly store: MemoryStore) {}

  async upsert(userId: string, visits: readonly PageVisit[], now: Date): Promise<ReadonlyMap<string, PageVisitOutcome>> {
    const table = this.store.tables.pageVisits;
    const outcomes = new Map<string, PageVisitOutcome>();
    for (const visit of visits) {
      const stored = table.get(visit.id);
      if (stored === undefined) {
        table.set(visit.id, { userId, record: structuredClone(visit), createdAt: now, updatedAt: now });
        outcomes.set(visit.id, 'inserted');
      } else if (stored.userId !== userId) {
        outcomes.set(visit.id, 'id_conflict');
      } else if (samePageVisitContent(stored.record, visit)) {
        outcomes.set(visit.id, 'unchanged');
      } else {
        table.set(visit.id, { ...stored, record: structuredClone(visit), updatedAt: latest(stored.updatedAt, now) });
        outcomes.set(visit.id, 'updated');
      }
    }
    return outcomes;
  }

  async findById(id: string): Promise<Stored<PageVisit> | null> {
    const stored = this.store.tables.pageVisits.get(id);
    return stored === undefined ? null : structuredClone(stored);
  }
}
