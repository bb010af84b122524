import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pageVisit, tabAggregate } from '../support/records.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabase } from '../support/test-database.js';

/**
 * The acceptance criteria of the sync endpoint, end to end: real port, real tokens, the
 * postgres.js adapter on the shared test database, rows checked with SQL.
 */
describe('POST /api/v1/data/sync: storing batches', () => {
  let app: TestApp;
  const sql = async () => (await testDatabase()).database.sql;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const visitRows = async (ids: string[]) =>
    (await sql())`SELECT * FROM page_visits WHERE id = ANY(${ids}::uuid[]) ORDER BY created_at, id`;
  const aggregateRows = async (ids: string[]) =>
    (await sql())`SELECT * FROM tab_aggregates WHERE id = ANY(${ids}::uuid[]) ORDER BY created_at, id`;

  it('stores a valid batch and answers 200 with the counts', async () => {
    const source = randomUUID();
    const visit = pageVisit({ id: randomUUID().toUpperCase(), source_page_visit_id: source, visited_at: '2024-05-01T12:00:00.1234567+02:00' });
    const aggregate = tabAggregate(visit.id, { scroll_depth_percent: null });
    const user = `user-${randomUUID()}`;
    const response = await app.sync(user, { pageVisits: [visit], tabAggregates: [aggregate] });

    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({
      status: 'ok',
      requestId: response.headers.get('x-request-id'),
      pageVisits: { received: 1, inserted: 1, updated: 0, unchanged: 0 },
      tabAggregates: { received: 1, inserted: 1, updated: 0, unchanged: 0 },
    });
    const [visitRow] = await visitRows([visit.id.toLowerCase()]);
    expect(visitRow).to.include({
      id: visit.id.toLowerCase(),
      user_id: user,
      url: visit.url,
      title: visit.title,
      source_page_visit_id: source,
    });
    expect((visitRow?.['visited_at'] as Date).toISOString()).to.equal('2024-05-01T10:00:00.123Z');
    const [aggregateRow] = await aggregateRows([aggregate.id]);
    expect(aggregateRow).to.include({
      id: aggregate.id,
      user_id: user,
      page_visit_id: visit.id.toLowerCase(),
      total_time_seconds: 120,
      active_time_seconds: 60,
      scroll_depth_percent: null,
    });
    expect((aggregateRow?.['closed_at'] as Date).toISOString()).to.equal('2024-05-01T10:02:00.000Z');
  });

  it('keeps microseconds of client timestamps', async () => {
    const visit = pageVisit({ visited_at: '2024-05-01T10:00:00.123456Z' });
    expect((await app.sync('micro', { pageVisits: [visit] })).status).to.equal(200);
    const [row] = await (await sql())`SELECT to_char(visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS t FROM page_visits WHERE id = ${visit.id}`;
    expect(row?.['t']).to.equal('2024-05-01T10:00:00.123456');
  });

  it('the same payload again answers 200, all unchanged, no duplicates, updated_at untouched', async () => {
    const visits = [pageVisit(), pageVisit()];
    const aggregates = visits.map((v) => tabAggregate(v.id));
    const body = { pageVisits: visits, tabAggregates: aggregates };
    expect((await app.sync('repeat', body)).status).to.equal(200);
    const visitsBefore = await visitRows(visits.map((v) => v.id));
    const aggregatesBefore = await aggregateRows(aggregates.map((a) => a.id));

    const again = await app.sync('repeat', body);
    expect(again.status).to.equal(200);
    expect(again.body.pageVisits).to.deep.equal({ received: 2, inserted: 0, updated: 0, unchanged: 2 });
    expect(again.body.tabAggregates).to.deep.equal({ received: 2, inserted: 0, updated: 0, unchanged: 2 });
    expect(await visitRows(visits.map((v) => v.id))).to.deep.equal(visitsBefore);
    expect(await aggregateRows(aggregates.map((a) => a.id))).to.deep.equal(aggregatesBefore);
  });

  it('updates by the reconciliation rules and reports it', async () => {
    const visit = pageVisit();
    const aggregate = tabAggregate(visit.id, { total_time_seconds: 100, active_time_seconds: 50, scroll_depth_percent: 30 });
    expect((await app.sync('rules', { pageVisits: [visit], tabAggregates: [aggregate] })).status).to.equal(200);
    const response = await app.sync('rules', {
      pageVisits: [{ ...visit, title: 'renamed' }],
      tabAggregates: [{ ...aggregate, total_time_seconds: 90, active_time_seconds: 70, scroll_depth_percent: null }],
    });
    expect(response.status).to.equal(200);
    expect(response.body.pageVisits).to.include({ updated: 1 });
    expect(response.body.tabAggregates).to.include({ updated: 1 });
    expect((await visitRows([visit.id]))[0]).to.include({ title: 'renamed' });
    expect((await aggregateRows([aggregate.id]))[0]).to.include({ total_time_seconds: 100, active_time_seconds: 70, scroll_depth_percent: 30 });
  });

  it('counts received entries and distinct ids when an id repeats in one batch', async () => {
    const visit = pageVisit();
    const response = await app.sync('dupes', { pageVisits: [visit, { ...visit, title: 'second' }, { ...visit, id: visit.id.toUpperCase(), title: 'third' }] });
    expect(response.status).to.equal(200);
    expect(response.body.pageVisits).to.deep.equal({ received: 3, inserted: 1, updated: 0, unchanged: 0 });
    const rows = await visitRows([visit.id]);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ title: 'third' });
  });

  it('a refused batch leaves the tables unchanged', async () => {
    const stored = pageVisit();
    expect((await app.sync('refused', { pageVisits: [stored] })).status).to.equal(200);
    const snapshot = async () => ({
      visits: await (await sql())`SELECT * FROM page_visits ORDER BY id`,
      aggregates: await (await sql())`SELECT * FROM tab_aggregates ORDER BY id`,
    });
    const before = await snapshot();
    const fresh = pageVisit();
    const response = await app.sync('refused', {
      pageVisits: [{ ...stored, title: 'changed' }, fresh],
      tabAggregates: [tabAggregate(fresh.id), tabAggregate(randomUUID())],
    });
    expect(response.status).to.equal(400);
    expect(response.body.failed_records).to.deep.equal([
      {
        type: 'tabAggregate',
        index: 1,
        id: response.body.failed_records[0].id,
        field: 'page_visit_id',
        code: 'unknown_page_visit',
        error: 'page_visit_id does not name a pageVisit of this user',
      },
    ]);
    expect(await snapshot()).to.deep.equal(before);

    const invalid = await app.sync('refused', { pageVisits: [pageVisit(), pageVisit({ visited_at: 'soon' })] });
    expect(invalid.status).to.equal(400);
    expect(await snapshot()).to.deep.equal(before);
  });

  describe('tenants', () => {
    it("another user's id → 400 id_conflict, and their row is untouched", async () => {
      const visit = pageVisit();
      const aggregate = tabAggregate(visit.id);
      expect((await app.sync('bob', { pageVisits: [visit], tabAggregates: [aggregate] })).status).to.equal(200);
      const visitBefore = await visitRows([visit.id]);
      const aggregateBefore = await aggregateRows([aggregate.id]);

      const response = await app.sync('alice', {
        pageVisits: [{ ...visit, title: 'stolen' }],
        tabAggregates: [{ ...aggregate, total_time_seconds: 5000 }],
      });
      expect(response.status).to.equal(400);
      expect(response.body.code).to.equal('validation_failed');
      expect(response.body.failed_records.map((f: any) => [f.type, f.index, f.id, f.field, f.code])).to.deep.equal([
        ['pageVisit', 0, visit.id, 'id', 'id_conflict'],
        ['tabAggregate', 0, aggregate.id, 'id', 'id_conflict'],
      ]);
      expect(await visitRows([visit.id])).to.deep.equal(visitBefore);
      expect(await aggregateRows([aggregate.id])).to.deep.equal(aggregateBefore);
    });

    it('the same identical record sent by another user is still id_conflict', async () => {
      const visit = pageVisit();
      expect((await app.sync('bob', { pageVisits: [visit] })).status).to.equal(200);
      const response = await app.sync('alice', { pageVisits: [visit] });
      expect(response.status).to.equal(400);
      expect(response.body.failed_records[0]).to.include({ code: 'id_conflict' });
    });

    it("a tabAggregate pointing at another user's pageVisit → unknown_page_visit", async () => {
      const visit = pageVisit();
      expect((await app.sync('bob', { pageVisits: [visit] })).status).to.equal(200);
      const aggregate = tabAggregate(visit.id);
      const response = await app.sync('alice', { tabAggregates: [aggregate] });
      expect(response.status).to.equal(400);
      expect(response.body.failed_records).to.have.length(1);
      expect(response.body.failed_records[0]).to.include({ type: 'tabAggregate', index: 0, id: aggregate.id, field: 'page_visit_id', code: 'unknown_page_visit' });
      expect(await aggregateRows([aggregate.id])).to.have.length(0);
    });

    it('a later batch may reference a pageVisit stored earlier', async () => {
      const visit = pageVisit();
      expect((await app.sync('carol', { pageVisits: [visit] })).status).to.equal(200);
      const response = await app.sync('carol', { tabAggregates: [tabAggregate(visit.id)] });
      expect(response.status).to.equal(200);
      expect(response.body.tabAggregates).to.include({ inserted: 1 });
    });

    it("a changed page_visit_id → immutable_field", async () => {
      const [v1, v2] = [pageVisit(), pageVisit()];
      const aggregate = tabAggregate(v1.id);
      expect((await app.sync('dave', { pageVisits: [v1, v2], tabAggregates: [aggregate] })).status).to.equal(200);
      const response = await app.sync('dave', { tabAggregates: [{ ...aggregate, page_visit_id: v2.id }] });
      expect(response.status).to.equal(400);
      expect(response.body.failed_records[0]).to.include({ field: 'page_visit_id', code: 'immutable_field' });
      expect((await aggregateRows([aggregate.id]))[0]).to.include({ page_visit_id: v1.id });
    });
  });

  describe('concurrency', () => {
    it('concurrent identical batches all answer 200 without duplicates', async () => {
      const visits = Array.from({ length: 20 }, () => pageVisit());
      const aggregates = visits.map((v) => tabAggregate(v.id));
      const body = { pageVisits: visits, tabAggregates: aggregates };
      const responses = await Promise.all(Array.from({ length: 8 }, () => app.sync('racer', body)));
      expect(responses.map((r) => r.status)).to.deep.equal(Array(8).fill(200));
      const inserted = responses.reduce((sum, r) => sum + r.body.pageVisits.inserted, 0);
      const unchanged = responses.reduce((sum, r) => sum + r.body.pageVisits.unchanged, 0);
      expect(inserted).to.equal(20);
      expect(unchanged).to.equal(20 * 7);
      expect(await visitRows(visits.map((v) => v.id))).to.have.length(20);
      expect(await aggregateRows(aggregates.map((a) => a.id))).to.have.length(20);
    });

    it('two users racing for the same ids: one stores them, the other gets id_conflict, never a 5xx', async () => {
      for (let round = 0; round < 5; round++) {
        const visits = Array.from({ length: 5 }, () => pageVisit());
        const aggregates = visits.map((v) => tabAggregate(v.id));
        const body = { pageVisits: visits, tabAggregates: aggregates };
        const [first, second] = await Promise.all([app.sync(`racer-a-${round}`, body), app.sync(`racer-b-${round}`, body)]);
        expect([first.status, second.status].sort(), JSON.stringify([first.body, second.body])).to.deep.equal([200, 400]);
        const loser = first.status === 400 ? first : second;
        const winner = first.status === 200 ? 'a' : 'b';
        expect(loser.body.failed_records).to.have.length(10);
        expect(new Set(loser.body.failed_records.map((f: any) => f.code))).to.deep.equal(new Set(['id_conflict']));
        const rows = await visitRows(visits.map((v) => v.id));
        expect(rows.map((row) => row['user_id'])).to.deep.equal(Array(5).fill(`racer-${winner}-${round}`));
        expect(await aggregateRows(aggregates.map((a) => a.id))).to.have.length(5);
      }
    });

    // Several rounds: the race on page_visits' UNIQUE (id, user_id) that once answered 500
    // needs two inserts of one id to meet inside a narrow window.
    it('concurrent overlapping batches of several users all answer 200', async () => {
      for (let round = 0; round < 5; round++) await overlappingRound(round);
    });

    async function overlappingRound(round: number) {
      const shared = Array.from({ length: 10 }, () => pageVisit());
      const users = ['u1', 'u2', 'u3', 'u4'].map((user) => `${user}-${round}`);
      const own = new Map(users.map((u) => [u, Array.from({ length: 10 }, () => pageVisit())]));
      const requests = users.flatMap((user) => {
        const mine = own.get(user)!;
        // Two overlapping halves per user, in opposite orders, to invite deadlocks.
        return [
          app.sync(user, { pageVisits: mine.slice(0, 7), tabAggregates: mine.slice(0, 3).map((v) => tabAggregate(v.id)) }),
          app.sync(user, { pageVisits: mine.slice(3).reverse() }),
        ];
      });
      const sharedOwner = app.sync('owner', { pageVisits: shared });
      const responses = await Promise.all([...requests, sharedOwner]);
      expect(responses.map((r) => r.status), JSON.stringify(responses.map((r) => r.body))).to.deep.equal(Array(responses.length).fill(200));
      for (const user of users) {
        const rows = await visitRows(own.get(user)!.map((v) => v.id));
        expect(rows).to.have.length(10);
        expect(rows.every((row) => row['user_id'] === user)).to.equal(true);
      }
    }
  });
});
