import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { commit, rollback, type Repositories, type UnitOfWork } from '../../src/application/ports.js';
import type { PageVisit } from '../../src/domain/page-visit.js';
import type { TabAggregate } from '../../src/domain/tab-aggregate.js';

export interface RepositoryHarness {
  unitOfWork: UnitOfWork;
  reset(): Promise<void>;
  close?(): Promise<void>;
}

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-02T00:00:00.000Z');

function visit(overrides: Partial<PageVisit> = {}): PageVisit {
  return {
    id: randomUUID(),
    url: 'https://example.com/a',
    title: 'A',
    visited_at: '2024-05-01T10:00:00.123456Z',
    source_page_visit_id: null,
    ...overrides,
  };
}

function aggregate(pageVisitId: string, overrides: Partial<TabAggregate> = {}): TabAggregate {
  return {
    id: randomUUID(),
    page_visit_id: pageVisitId,
    total_time_seconds: 100,
    active_time_seconds: 50,
    scroll_depth_percent: 40,
    closed_at: '2024-05-01T10:05:00.000000Z',
    ...overrides,
  };
}

/**
 * What every persistence adapter must do, run against each of them: the in-memory fake can
 * never drift from PostgreSQL, rollbacks and races included.
 */
export function repositoryContract(name: string, setup: () => Promise<RepositoryHarness>): void {
  describe(`${name}: repositories and unit of work`, () => {
    let harness: RepositoryHarness;
    const inTx = <T>(work: (repos: Repositories) => Promise<T>) =>
      harness.unitOfWork.run(async (repos) => commit(await work(repos)));
    const putVisits = (user: string, visits: PageVisit[], now = T0) => inTx((r) => r.pageVisits.upsert(user, visits, now));
    const putAggregates = (user: string, aggregates: TabAggregate[], now = T0) =>
      inTx((r) => r.tabAggregates.upsert(user, aggregates, now));
    const findVisit = (id: string) => inTx((r) => r.pageVisits.findById(id));
    const findAggregate = (id: string) => inTx((r) => r.tabAggregates.findById(id));

    before(async () => {
      harness = await setup();
    });
    beforeEach(() => harness.reset());
    after(async () => harness.close?.());

    describe('page visits', () => {
      it('inserts a new id with the user and the time of the batch', async () => {
        const v = visit({ source_page_visit_id: randomUUID() });
        expect([...(await putVisits('alice', [v]))]).to.deep.equal([[v.id, 'inserted']]);
        const stored = await findVisit(v.id);
        expect(stored?.record).to.deep.equal(v);
        expect(stored?.userId).to.equal('alice');
        expect(stored?.createdAt.toISOString()).to.equal(T0.toISOString());
        expect(stored?.updatedAt.toISOString()).to.equal(T0.toISOString());
      });

      it('leaves identical content alone, updated_at included', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        expect((await putVisits('alice', [{ ...v }], T1)).get(v.id)).to.equal('unchanged');
        expect((await findVisit(v.id))?.updatedAt.toISOString()).to.equal(T0.toISOString());
      });

      it('takes the incoming values when the content differs (last write wins)', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        const changed = { ...v, title: 'B', url: 'https://example.com/b', visited_at: '2024-05-02T00:00:00.000000Z' };
        expect((await putVisits('alice', [changed], T1)).get(v.id)).to.equal('updated');
        const stored = await findVisit(v.id);
        expect(stored?.record).to.deep.equal(changed);
        expect(stored?.createdAt.toISOString()).to.equal(T0.toISOString());
        expect(stored?.updatedAt.toISOString()).to.equal(T1.toISOString());
      });

      it('never moves updated_at back (a concurrent batch read the clock earlier but commits later)', async () => {
        const v = visit();
        await putVisits('alice', [v], T1);
        expect((await putVisits('alice', [{ ...v, title: 'B' }], T0)).get(v.id)).to.equal('updated');
        const stored = await findVisit(v.id);
        expect(stored?.record.title).to.equal('B');
        expect(stored?.updatedAt.toISOString()).to.equal(T1.toISOString());
        const a = aggregate(v.id);
        await putAggregates('alice', [a], T1);
        expect((await putAggregates('alice', [{ ...a, total_time_seconds: 500 }], T0)).get(a.id)).to.equal('updated');
        expect((await findAggregate(a.id))?.updatedAt.toISOString()).to.equal(T1.toISOString());
      });

      it('treats a change of source_page_visit_id (also to null) as a change', async () => {
        const v = visit({ source_page_visit_id: randomUUID() });
        await putVisits('alice', [v]);
        expect((await putVisits('alice', [{ ...v, source_page_visit_id: null }], T1)).get(v.id)).to.equal('updated');
        expect((await findVisit(v.id))?.record.source_page_visit_id).to.equal(null);
      });

      it("reports another user's id as a conflict and never touches that row", async () => {
        const v = visit();
        await putVisits('alice', [v]);
        expect((await putVisits('bob', [{ ...v, title: 'stolen' }], T1)).get(v.id)).to.equal('id_conflict');
        const stored = await findVisit(v.id);
        expect(stored?.userId).to.equal('alice');
        expect(stored?.record.title).to.equal('A');
        expect(stored?.updatedAt.toISOString()).to.equal(T0.toISOString());
      });

      it('decides every record of one call on its own', async () => {
        const known = visit();
        const foreign = visit();
        await putVisits('alice', [known]);
        await putVisits('bob', [foreign]);
        const fresh = visit();
        const changed = { ...known, title: 'new' };
        const outcomes = await putVisits('alice', [fresh, changed, foreign], T1);
        expect(Object.fromEntries(outcomes)).to.deep.equal({
          [fresh.id]: 'inserted',
          [known.id]: 'updated',
          [foreign.id]: 'id_conflict',
        });
      });

      it('stores text exactly: astral characters, the longest title, microsecond instants', async () => {
        const v = visit({ title: '😀'.repeat(4096), url: 'https://例え.jp/パス?q=ü', visited_at: '0001-01-01T00:00:00.000001Z' });
        await putVisits('alice', [v]);
        expect((await findVisit(v.id))?.record).to.deep.equal(v);
        expect((await putVisits('alice', [{ ...v }], T1)).get(v.id)).to.equal('unchanged');
      });
    });

    describe('tab aggregates', () => {
      it('inserts an aggregate whose page visit is the same user’s, stored earlier', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        const a = aggregate(v.id, { scroll_depth_percent: null });
        expect((await putAggregates('alice', [a])).get(a.id)).to.equal('inserted');
        const stored = await findAggregate(a.id);
        expect(stored?.record).to.deep.equal(a);
        expect(stored?.userId).to.equal('alice');
      });

      it('accepts a page visit written earlier in the same transaction', async () => {
        const v = visit();
        const a = aggregate(v.id);
        const outcome = await inTx(async (r) => {
          await r.pageVisits.upsert('alice', [v], T0);
          return r.tabAggregates.upsert('alice', [a], T0);
        });
        expect(outcome.get(a.id)).to.equal('inserted');
      });

      it('applies calls in the order they are made, also when the first is not awaited', async () => {
        const v = visit();
        const a = aggregate(v.id);
        const [visits, aggregates] = await inTx((r) =>
          Promise.all([r.pageVisits.upsert('alice', [v], T0), r.tabAggregates.upsert('alice', [a], T0)]),
        );
        expect(visits.get(v.id)).to.equal('inserted');
        expect(aggregates.get(a.id)).to.equal('inserted');
      });

      it('refuses a page visit that does not exist, or is another user’s', async () => {
        const bobs = visit();
        await putVisits('bob', [bobs]);
        const missing = aggregate(randomUUID());
        const foreign = aggregate(bobs.id);
        const outcomes = await putAggregates('alice', [missing, foreign]);
        expect(outcomes.get(missing.id)).to.equal('unknown_page_visit');
        expect(outcomes.get(foreign.id)).to.equal('unknown_page_visit');
        expect(await findAggregate(missing.id)).to.equal(null);
        expect(await findAggregate(foreign.id)).to.equal(null);
      });

      it('never becomes less complete: each measure keeps the larger value', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        const a = aggregate(v.id, { total_time_seconds: 100, active_time_seconds: 50, scroll_depth_percent: 40 });
        await putAggregates('alice', [a]);
        const incoming = { ...a, total_time_seconds: 90, active_time_seconds: 70, scroll_depth_percent: null, closed_at: '2024-05-01T11:00:00.000000Z' };
        expect((await putAggregates('alice', [incoming], T1)).get(a.id)).to.equal('updated');
        const stored = await findAggregate(a.id);
        expect(stored?.record).to.deep.equal({ ...a, total_time_seconds: 100, active_time_seconds: 70, scroll_depth_percent: 40, closed_at: '2024-05-01T11:00:00.000000Z' });
        expect(stored?.updatedAt.toISOString()).to.equal(T1.toISOString());
      });

      it('fills a missing scroll depth', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        const a = aggregate(v.id, { scroll_depth_percent: null });
        await putAggregates('alice', [a]);
        expect((await putAggregates('alice', [{ ...a, scroll_depth_percent: 0 }], T1)).get(a.id)).to.equal('updated');
        expect((await findAggregate(a.id))?.record.scroll_depth_percent).to.equal(0);
      });

      it('leaves the row alone when the incoming values are all no larger', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        const a = aggregate(v.id);
        await putAggregates('alice', [a]);
        const smaller = { ...a, total_time_seconds: 1, active_time_seconds: 0, scroll_depth_percent: null, closed_at: '2024-05-01T09:00:00.000000Z' };
        expect((await putAggregates('alice', [smaller], T1)).get(a.id)).to.equal('unchanged');
        const stored = await findAggregate(a.id);
        expect(stored?.record).to.deep.equal(a);
        expect(stored?.updatedAt.toISOString()).to.equal(T0.toISOString());
      });

      it('refuses to move an aggregate to another page visit', async () => {
        const v1 = visit();
        const v2 = visit();
        await putVisits('alice', [v1, v2]);
        const a = aggregate(v1.id);
        await putAggregates('alice', [a]);
        expect((await putAggregates('alice', [{ ...a, page_visit_id: v2.id, total_time_seconds: 500 }], T1)).get(a.id)).to.equal('immutable_field');
        expect((await findAggregate(a.id))?.record).to.deep.equal(a);
      });

      it("reports another user's aggregate id as a conflict and never touches it", async () => {
        const alices = visit();
        const bobs = visit();
        await putVisits('alice', [alices]);
        await putVisits('bob', [bobs]);
        const a = aggregate(alices.id);
        await putAggregates('alice', [a]);
        expect((await putAggregates('bob', [{ ...a, page_visit_id: bobs.id, total_time_seconds: 999 }], T1)).get(a.id)).to.equal('id_conflict');
        const stored = await findAggregate(a.id);
        expect(stored?.userId).to.equal('alice');
        expect(stored?.record).to.deep.equal(a);
      });
    });

    describe('unit of work', () => {
      it('discards every write when the work decides to roll back, and still returns its value', async () => {
        const v = visit();
        const value = await harness.unitOfWork.run(async (r) => {
          await r.pageVisits.upsert('alice', [v], T0);
          await r.tabAggregates.upsert('alice', [aggregate(v.id)], T0);
          return rollback('refused');
        });
        expect(value).to.equal('refused');
        expect(await findVisit(v.id)).to.equal(null);
      });

      it('discards every write when the work throws, and lets the error through', async () => {
        const v = visit();
        const boom = new Error('boom');
        let caught: unknown;
        try {
          await harness.unitOfWork.run(async (r) => {
            await r.pageVisits.upsert('alice', [v], T0);
            throw boom;
          });
        } catch (error) {
          caught = error;
        }
        expect(caught).to.equal(boom);
        expect(await findVisit(v.id)).to.equal(null);
      });

      it('rolls back an update too, restoring the earlier content', async () => {
        const v = visit();
        await putVisits('alice', [v]);
        await harness.unitOfWork.run(async (r) => {
          await r.pageVisits.upsert('alice', [{ ...v, title: 'changed' }], T1);
          return rollback(null);
        });
        expect((await findVisit(v.id))?.record.title).to.equal('A');
      });
    });

    describe('races', () => {
      it('the same batch from many clients at once: every call succeeds, one insert per id', async () => {
        const visits = Array.from({ length: 20 }, () => visit());
        const aggregates = visits.map((v) => aggregate(v.id));
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            harness.unitOfWork.run(async (r) =>
              commit({
                visits: await r.pageVisits.upsert('alice', visits, T0),
                aggregates: await r.tabAggregates.upsert('alice', aggregates, T0),
              }),
            ),
          ),
        );
        for (const [kind, id] of [...visits.map((v) => ['visits', v.id] as const), ...aggregates.map((a) => ['aggregates', a.id] as const)]) {
          const outcomes = results.map((result) => result[kind].get(id));
          expect(outcomes.filter((o) => o === 'inserted')).to.have.length(1);
          expect(outcomes.filter((o) => o === 'unchanged')).to.have.length(7);
        }
      });

      it('two users racing for one new id: exactly one wins, the other gets a conflict', async () => {
        for (let round = 0; round < 5; round++) {
          const v = visit();
          const [a, b] = await Promise.all([putVisits('alice', [v]), putVisits('bob', [{ ...v, title: 'bob' }])]);
          const outcomes = [a.get(v.id), b.get(v.id)].sort();
          expect(outcomes).to.deep.equal(['id_conflict', 'inserted']);
          const winner = a.get(v.id) === 'inserted' ? 'alice' : 'bob';
          expect((await findVisit(v.id))?.userId).to.equal(winner);
        }
      });

      it('overlapping batches in opposite orders all succeed', async () => {
        const visits = Array.from({ length: 30 }, () => visit());
        const reversed = [...visits].reverse().map((v) => ({ ...v, title: 'reversed' }));
        const calls = Array.from({ length: 6 }, (_, i) => putVisits('alice', i % 2 === 0 ? visits : reversed));
        const results = await Promise.all(calls);
        expect(results).to.have.length(6);
        for (const v of visits) expect(await findVisit(v.id)).to.not.equal(null);
      });
    });
  });
}
