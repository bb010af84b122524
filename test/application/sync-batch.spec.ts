import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '../../src/adapters/persistence/memory/memory-store.js';
import { MemoryUnitOfWork } from '../../src/adapters/persistence/memory/memory-unit-of-work.js';
import type { Clock, UnitOfWork } from '../../src/application/ports.js';
import { SyncBatch, type SyncBatchResult } from '../../src/application/sync-batch.js';
import { pageVisit, tabAggregate } from '../support/records.js';

class FixedClock implements Clock {
  constructor(public time: Date) {}
  now(): Date {
    return this.time;
  }
}

const T0 = new Date('2026-03-01T00:00:00.000Z');
const T1 = new Date('2026-03-02T00:00:00.000Z');

function ok(result: SyncBatchResult) {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result;
}

function rejected(result: SyncBatchResult) {
  if (result.status !== 'rejected') throw new Error(`expected rejected, got ${JSON.stringify(result)}`);
  return result.failures;
}

describe('SyncBatch use case (memory adapter)', () => {
  let store: MemoryStore;
  let clock: FixedClock;
  let sync: SyncBatch;
  const alice = 'alice';
  const bob = 'bob';

  beforeEach(() => {
    store = new MemoryStore();
    clock = new FixedClock(T0);
    sync = new SyncBatch(new MemoryUnitOfWork(store), clock, { maxRecordsPerType: 10 });
  });

  const storedVisit = (id: string) => store.tables.pageVisits.get(id);
  const storedAggregate = (id: string) => store.tables.tabAggregates.get(id);

  it('inserts new records and counts them', async () => {
    const visit = pageVisit();
    const aggregate = tabAggregate(visit.id);
    const result = ok(await sync.execute(alice, { pageVisits: [visit], tabAggregates: [aggregate] }));
    expect(result.pageVisits).to.deep.equal({ received: 1, inserted: 1, updated: 0, unchanged: 0 });
    expect(result.tabAggregates).to.deep.equal({ received: 1, inserted: 1, updated: 0, unchanged: 0 });
    expect(storedVisit(visit.id)).to.deep.include({ userId: alice, createdAt: T0, updatedAt: T0 });
    expect(storedAggregate(aggregate.id)?.record.page_visit_id).to.equal(visit.id);
  });

  it('counts received as array entries and the outcomes as distinct ids', async () => {
    const visit = pageVisit();
    const again = { ...visit, title: 'again' };
    const other = pageVisit();
    const aggregate = tabAggregate(visit.id);
    const result = ok(
      await sync.execute(alice, { pageVisits: [visit, other, again], tabAggregates: [aggregate, aggregate, aggregate] }),
    );
    expect(result.pageVisits).to.deep.equal({ received: 3, inserted: 2, updated: 0, unchanged: 0 });
    expect(result.tabAggregates).to.deep.equal({ received: 3, inserted: 1, updated: 0, unchanged: 0 });
    expect(storedVisit(visit.id)?.record.title).to.equal('again');
  });

  it('the same batch again changes nothing, not even updated_at', async () => {
    const visit = pageVisit();
    const batch = { pageVisits: [visit], tabAggregates: [tabAggregate(visit.id)] };
    ok(await sync.execute(alice, batch));
    clock.time = T1;
    const result = ok(await sync.execute(alice, batch));
    expect(result.pageVisits).to.deep.equal({ received: 1, inserted: 0, updated: 0, unchanged: 1 });
    expect(result.tabAggregates).to.deep.equal({ received: 1, inserted: 0, updated: 0, unchanged: 1 });
    expect(storedVisit(visit.id)?.updatedAt).to.deep.equal(T0);
    expect(storedAggregate(batch.tabAggregates[0]!.id)?.updatedAt).to.deep.equal(T0);
  });

  it('an equal instant written differently is unchanged', async () => {
    const visit = pageVisit({ visited_at: '2024-05-01T10:00:00Z' });
    ok(await sync.execute(alice, { pageVisits: [visit] }));
    const result = ok(
      await sync.execute(alice, { pageVisits: [{ ...visit, id: visit.id.toUpperCase(), visited_at: '2024-05-01T12:00:00.0000001+02:00' }] }),
    );
    expect(result.pageVisits.unchanged).to.equal(1);
  });

  it('a pageVisit with different content takes the incoming values (last write wins)', async () => {
    const visit = pageVisit({ source_page_visit_id: randomUUID() });
    ok(await sync.execute(alice, { pageVisits: [visit] }));
    clock.time = T1;
    const changed = { ...visit, url: 'https://example.org/b', title: 'B', visited_at: '2020-01-01T00:00:00Z', source_page_visit_id: null };
    const result = ok(await sync.execute(alice, { pageVisits: [changed] }));
    expect(result.pageVisits).to.deep.equal({ received: 1, inserted: 0, updated: 1, unchanged: 0 });
    const stored = storedVisit(visit.id);
    expect(stored?.record).to.deep.equal({ ...changed, visited_at: '2020-01-01T00:00:00.000000Z' });
    expect(stored).to.deep.include({ createdAt: T0, updatedAt: T1 });
  });

  it('a tabAggregate keeps the larger of each measure', async () => {
    const visit = pageVisit();
    const aggregate = tabAggregate(visit.id, { total_time_seconds: 100, active_time_seconds: 80, scroll_depth_percent: 50, closed_at: '2024-05-01T10:05:00Z' });
    ok(await sync.execute(alice, { pageVisits: [visit], tabAggregates: [aggregate] }));
    clock.time = T1;
    const result = ok(
      await sync.execute(alice, {
        tabAggregates: [{ ...aggregate, total_time_seconds: 150, active_time_seconds: 10, scroll_depth_percent: null, closed_at: '2024-05-01T10:00:00Z' }],
      }),
    );
    expect(result.tabAggregates).to.deep.equal({ received: 1, inserted: 0, updated: 1, unchanged: 0 });
    expect(storedAggregate(aggregate.id)?.record).to.deep.include({
      total_time_seconds: 150,
      active_time_seconds: 80,
      scroll_depth_percent: 50,
      closed_at: '2024-05-01T10:05:00.000000Z',
    });
    expect(storedAggregate(aggregate.id)?.updatedAt).to.deep.equal(T1);
  });

  it('a tabAggregate that is less complete in every measure is unchanged', async () => {
    const visit = pageVisit();
    const aggregate = tabAggregate(visit.id);
    ok(await sync.execute(alice, { pageVisits: [visit], tabAggregates: [aggregate] }));
    clock.time = T1;
    const result = ok(
      await sync.execute(alice, {
        tabAggregates: [{ ...aggregate, total_time_seconds: 1, active_time_seconds: 0, scroll_depth_percent: null, closed_at: '2000-01-01T00:00:00Z' }],
      }),
    );
    expect(result.tabAggregates.unchanged).to.equal(1);
    expect(storedAggregate(aggregate.id)?.updatedAt).to.deep.equal(T0);
  });

  it("a tabAggregate's page_visit_id cannot change (immutable_field)", async () => {
    const [v1, v2] = [pageVisit(), pageVisit()];
    const aggregate = tabAggregate(v1.id);
    ok(await sync.execute(alice, { pageVisits: [v1, v2], tabAggregates: [aggregate] }));
    const failures = rejected(await sync.execute(alice, { tabAggregates: [{ ...aggregate, page_visit_id: v2.id }] }));
    expect(failures).to.deep.equal([
      {
        type: 'tabAggregate',
        index: 0,
        id: aggregate.id,
        field: 'page_visit_id',
        code: 'immutable_field',
        error: 'page_visit_id cannot change once a tabAggregate is stored',
      },
    ]);
    expect(storedAggregate(aggregate.id)?.record.page_visit_id).to.equal(v1.id);
  });

  it("another user's id is id_conflict and their row is untouched", async () => {
    const visit = pageVisit();
    const aggregate = tabAggregate(visit.id);
    ok(await sync.execute(bob, { pageVisits: [visit], tabAggregates: [aggregate] }));
    const before = structuredClone(store.tables);
    const failures = rejected(
      await sync.execute(alice, { pageVisits: [pageVisit(), { ...visit, title: 'mine' }], tabAggregates: [{ ...aggregate, total_time_seconds: 999 }] }),
    );
    expect(failures.map((f) => [f.type, f.index, f.id, f.field, f.code])).to.deep.equal([
      ['pageVisit', 1, visit.id, 'id', 'id_conflict'],
      ['tabAggregate', 0, aggregate.id, 'id', 'id_conflict'],
    ]);
    expect(store.tables).to.deep.equal(before);
  });

  it('names a refused record by its id as sent, in any case', async () => {
    const visit = pageVisit();
    ok(await sync.execute(bob, { pageVisits: [visit] }));
    const shouted = visit.id.toUpperCase();
    const failures = rejected(await sync.execute(alice, { pageVisits: [{ ...visit, id: shouted }], tabAggregates: [tabAggregate(shouted)] }));
    expect(failures.map((f) => [f.type, f.id, f.code])).to.deep.equal([
      ['pageVisit', shouted, 'id_conflict'],
      ['tabAggregate', failures[1]?.id, 'unknown_page_visit'],
    ]);
  });

  it("a tabAggregate pointing at another user's pageVisit is unknown_page_visit", async () => {
    const visit = pageVisit();
    ok(await sync.execute(bob, { pageVisits: [visit] }));
    const aggregate = tabAggregate(visit.id);
    const failures = rejected(await sync.execute(alice, { tabAggregates: [aggregate] }));
    expect(failures).to.deep.equal([
      {
        type: 'tabAggregate',
        index: 0,
        id: aggregate.id,
        field: 'page_visit_id',
        code: 'unknown_page_visit',
        error: 'page_visit_id does not name a pageVisit of this user',
      },
    ]);
    expect(storedAggregate(aggregate.id)).to.equal(undefined);
  });

  it('a tabAggregate whose pageVisit exists nowhere is unknown_page_visit', async () => {
    const failures = rejected(await sync.execute(alice, { tabAggregates: [tabAggregate(randomUUID())] }));
    expect(failures.map((f) => f.code)).to.deep.equal(['unknown_page_visit']);
  });

  it('a later batch may reference a pageVisit stored earlier', async () => {
    const visit = pageVisit();
    ok(await sync.execute(alice, { pageVisits: [visit] }));
    const result = ok(await sync.execute(alice, { tabAggregates: [tabAggregate(visit.id.toUpperCase())] }));
    expect(result.tabAggregates.inserted).to.equal(1);
  });

  it('a soft source_page_visit_id need not exist', async () => {
    const result = ok(await sync.execute(alice, { pageVisits: [pageVisit({ source_page_visit_id: randomUUID() })] }));
    expect(result.pageVisits.inserted).to.equal(1);
  });

  it('a refused batch stores nothing, not even its good records', async () => {
    const good = pageVisit();
    const goodAggregate = tabAggregate(good.id);
    const orphan = tabAggregate(randomUUID());
    rejected(await sync.execute(alice, { pageVisits: [good], tabAggregates: [goodAggregate, orphan] }));
    expect(store.tables.pageVisits.size).to.equal(0);
    expect(store.tables.tabAggregates.size).to.equal(0);

    rejected(await sync.execute(alice, { pageVisits: [good, pageVisit({ url: 'nope' })] }));
    expect(store.tables.pageVisits.size).to.equal(0);
  });

  it('a refused batch leaves earlier rows as they were', async () => {
    const visit = pageVisit();
    ok(await sync.execute(alice, { pageVisits: [visit] }));
    const before = structuredClone(store.tables);
    clock.time = T1;
    rejected(await sync.execute(alice, { pageVisits: [{ ...visit, title: 'changed' }], tabAggregates: [tabAggregate(randomUUID())] }));
    expect(store.tables).to.deep.equal(before);
  });

  it('dryRun runs every check, reports what would happen and stores nothing', async () => {
    const visit = pageVisit();
    ok(await sync.execute(alice, { pageVisits: [visit] }));
    const before = structuredClone(store.tables);
    const fresh = pageVisit();
    const result = ok(
      await sync.execute(alice, { pageVisits: [{ ...visit, title: 'new' }, fresh], tabAggregates: [tabAggregate(fresh.id)] }, { dryRun: true }),
    );
    expect(result.pageVisits).to.deep.equal({ received: 2, inserted: 1, updated: 1, unchanged: 0 });
    expect(result.tabAggregates).to.deep.equal({ received: 1, inserted: 1, updated: 0, unchanged: 0 });
    expect(store.tables).to.deep.equal(before);

    const failures = rejected(await sync.execute(alice, { tabAggregates: [tabAggregate(randomUUID())] }, { dryRun: true }));
    expect(failures.map((f) => f.code)).to.deep.equal(['unknown_page_visit']);
  });

  it('an empty batch is ok without touching storage', async () => {
    let runs = 0;
    const spy: UnitOfWork = {
      run: () => {
        runs++;
        return Promise.reject(new Error('storage touched'));
      },
    };
    const spied = new SyncBatch(spy, clock, { maxRecordsPerType: 10 });
    for (const body of [{}, { pageVisits: [], tabAggregates: [] }, { other: true }]) {
      const result = ok(await spied.execute(alice, body));
      expect(result.pageVisits).to.deep.equal({ received: 0, inserted: 0, updated: 0, unchanged: 0 });
      expect(result.tabAggregates).to.deep.equal({ received: 0, inserted: 0, updated: 0, unchanged: 0 });
    }
    expect(runs).to.equal(0);
  });

  it('an invalid batch never reaches storage, and too many records are reported as such', async () => {
    let runs = 0;
    const spy: UnitOfWork = {
      run: () => {
        runs++;
        return Promise.reject(new Error('storage touched'));
      },
    };
    const spied = new SyncBatch(spy, clock, { maxRecordsPerType: 2 });
    rejected(await spied.execute(alice, { pageVisits: [pageVisit({ id: 'x' })] }));
    expect(await spied.execute(alice, { tabAggregates: [{}, {}, {}] })).to.deep.equal({
      status: 'too_many_records',
      field: 'tabAggregates',
      limit: 2,
    });
    expect(runs).to.equal(0);
  });

  it('the same id twice in one batch behaves as two batches in array order', async () => {
    const visit = pageVisit();
    const aggregate = tabAggregate(visit.id, { total_time_seconds: 10, active_time_seconds: 5 });
    const later = { ...aggregate, total_time_seconds: 20, active_time_seconds: 1 };
    const result = ok(
      await sync.execute(alice, { pageVisits: [visit, { ...visit, title: 'last' }], tabAggregates: [aggregate, later] }),
    );
    expect(result.pageVisits).to.deep.equal({ received: 2, inserted: 1, updated: 0, unchanged: 0 });
    expect(result.tabAggregates).to.deep.equal({ received: 2, inserted: 1, updated: 0, unchanged: 0 });
    expect(storedVisit(visit.id)?.record.title).to.equal('last');
    expect(storedAggregate(aggregate.id)?.record).to.deep.include({ total_time_seconds: 20, active_time_seconds: 5 });
  });

  it('lets infrastructure errors through as errors, never as a result', async () => {
    const broken: UnitOfWork = { run: () => Promise.reject(new Error('connection lost')) };
    const failing = new SyncBatch(broken, clock, { maxRecordsPerType: 10 });
    let caught: unknown;
    try {
      await failing.execute(alice, { pageVisits: [pageVisit()] });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(Error).with.property('message', 'connection lost');
  });
});
