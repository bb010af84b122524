import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresUnitOfWork } from '../../src/adapters/persistence/postgres/postgres-unit-of-work.js';
import { SyncBatch } from '../../src/application/sync-batch.js';
import { pageVisit, tabAggregate } from '../support/records.js';
import { createScratchDatabase, type TestDatabase } from '../support/test-database.js';

const onServer = process.env['TEST_DATABASE_URL'] !== undefined;

/**
 * A record whose id another transaction commits after this batch's statement took its
 * snapshot, and before its insert: the insert skips it (ON CONFLICT DO NOTHING, as every
 * retry inserts). The skipped record must then be reconciled like any known id (API.md
 * rule 4), not taken as stored: a 200 for content that is not there would lose it.
 * Needs two sessions at once, so a PostgreSQL server (PGlite has one session).
 */
(onServer ? describe : describe.skip)('postgres: a record committed by another transaction during the insert', function () {
  this.timeout(30_000);

  let db: TestDatabase;
  let sync: SyncBatch;
  before(async () => {
    db = await createScratchDatabase();
    sync = new SyncBatch(new PostgresUnitOfWork(db.database.sql, { firstAttemptConflicts: 'skip' }), { now: () => new Date() }, { maxRecordsPerType: 1000 });
  });
  after(() => db.database.close());

  /** Runs `insertElsewhere` in a transaction of its own, sends `body` meanwhile, and commits once the batch waits on it. */
  async function race(insertElsewhere: string, parameters: (string | number)[], body: unknown) {
    const other = await db.database.sql.reserve();
    try {
      await other`BEGIN`;
      await other.unsafe(insertElsewhere, parameters);
      const answer = sync.execute('alice', body);
      await waitUntilBlocked();
      await other`COMMIT`;
      return await answer;
    } finally {
      other.release();
    }
  }

  async function waitUntilBlocked() {
    for (let i = 0; i < 100; i++) {
      const [row] = await db.database.sql<{ waiting: number }[]>`
        SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
      `;
      if ((row?.waiting ?? 0) > 0) return;
      await sleep(20);
    }
    throw new Error('the batch never waited for the other transaction');
  }

  it('updates a page visit the other transaction inserted with other content (last write wins)', async () => {
    const visit = pageVisit({ title: 'Sent later' });
    const result = await race(
      `INSERT INTO page_visits (id, user_id, url, title, visited_at, created_at, updated_at)
       VALUES ($1, 'alice', $2, 'Sent earlier', $3, now(), now())`,
      [visit.id, visit.url, visit.visited_at],
      { pageVisits: [visit] },
    );
    expect(result.status).to.equal('ok');
    expect(result.status === 'ok' && result.pageVisits).to.include({ inserted: 0, updated: 1, unchanged: 0 });
    const [stored] = await db.database.sql<{ title: string }[]>`SELECT title FROM page_visits WHERE id = ${visit.id}`;
    expect(stored?.title).to.equal('Sent later');
  });

  it('merges into a tab aggregate the other transaction inserted less complete (never less complete)', async () => {
    const visit = pageVisit();
    expect((await sync.execute('alice', { pageVisits: [visit] })).status).to.equal('ok');
    const aggregate = tabAggregate(visit.id, { total_time_seconds: 300, active_time_seconds: 200, scroll_depth_percent: 90, closed_at: '2024-05-01T10:05:00Z' });
    const result = await race(
      `INSERT INTO tab_aggregates (id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, created_at, updated_at)
       VALUES ($1, 'alice', $2, 10, 5, 10, '2024-05-01T10:01:00Z', now(), now())`,
      [aggregate.id, visit.id],
      { tabAggregates: [aggregate] },
    );
    expect(result.status).to.equal('ok');
    expect(result.status === 'ok' && result.tabAggregates).to.include({ inserted: 0, updated: 1, unchanged: 0 });
    const [stored] = await db.database.sql<{ total_time_seconds: number; active_time_seconds: number; scroll_depth_percent: number; closed_at: Date }[]>`
      SELECT total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at FROM tab_aggregates WHERE id = ${aggregate.id}
    `;
    expect(stored).to.deep.include({ total_time_seconds: 300, active_time_seconds: 200, scroll_depth_percent: 90 });
    expect(stored?.closed_at.toISOString()).to.equal('2024-05-01T10:05:00.000Z');
  });

  it('refuses a record the other transaction inserted for another user, and leaves it alone', async () => {
    const visit = pageVisit({ title: 'Mallory tries' });
    const result = await race(
      `INSERT INTO page_visits (id, user_id, url, title, visited_at, created_at, updated_at)
       VALUES ($1, 'bob', $2, 'Bob''s', $3, now(), now())`,
      [visit.id, visit.url, visit.visited_at],
      { pageVisits: [visit] },
    );
    expect(result.status).to.equal('rejected');
    const [stored] = await db.database.sql<{ user_id: string; title: string }[]>`SELECT user_id, title FROM page_visits WHERE id = ${visit.id}`;
    expect(stored).to.deep.equal({ user_id: 'bob', title: "Bob's" });
  });
});
