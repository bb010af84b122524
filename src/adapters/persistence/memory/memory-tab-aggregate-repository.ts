import type { Stored, TabAggregateOutcome, TabAggregateRepository } from '../../../application/ports.js';
import { mergeTabAggregates, sameTabAggregateContent, type TabAggregate } from '../../../domain/tab-aggregate.js';
import { latest } from './latest.js';
import type { MemoryStore } from './memory-store.js';

export class MemoryTabAggregateRepository implements TabAggregateRepository {
  constructor(private readonly store: MemoryStore) {}

  async upsert(userId: string, aggregates: readonly TabAggregate[], now: Date): Promise<ReadonlyMap<string, TabAggregateOutcome>> {
    const { tabAggregates: table, pageVisits } = this.store.tables;
    const outcomes = new Map<string, TabAggregateOutcome>();
    for (const aggregate of aggregates) {
      const stored = table.get(aggregate.id);
      if (stored === undefined) {
        if (pageVisits.get(aggregate.page_visit_id)?.userId !== userId) {
          outcomes.set(aggregate.id, 'unknown_page_visit');
          continue;
        }
        table.set(aggregate.id, { userId, record: structuredClone(aggregate), createdAt: now, updatedAt: now });
        outcomes.set(aggregate.id, 'inserted');
      } else if (stored.userId !== userId) {
        outcomes.set(aggregate.id, 'id_conflict');
      } else if (stored.record.page_visit_id !== aggregate.page_visit_id) {
        outcomes.set(aggregate.id, 'immutable_field');
      } else {
        const merged = mergeTabAggregates(stored.record, aggregate);
        if (sameTabAggregateContent(stored.record, merged)) {
          outcomes.set(aggregate.id, 'unchanged');
        } else {
          table.set(aggregate.id, { ...stored, record: merged, updatedAt: latest(stored.updatedAt, now) });
          outcomes.set(aggregate.id, 'updated');
        }
      }
    }
    return outcomes;
  }

  async findById(id: string): Promise<Stored<TabAggregate> | null> {
    const stored = this.store.tables.tabAggregates.get(id);
    return stored === undefined ? null : structuredClone(stored);
  }
}
