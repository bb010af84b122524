import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { createSql } from '../../src/adapters/persistence/postgres/postgres-client.js';
import { PostgresUnitOfWork } from '../../src/adapters/persistence/postgres/postgres-unit-of-work.js';
import { SyncBatch } from '../../src/application/sync-batch.js';
import { createScratchDatabase, type TestDatabase } from '../support/test-database.js';

type ScanCounts = { relname: string; seq_scan: number; idx_tup_read: number };

/**
 * PostgreSQL keeps one generic plan per prepared statement. Made while the tables are empty
 * (a new install, or statistics taken then and, without autovacuum, never again), a plan may
 * scan a whole table, or all of a user's rows, for every batch: invisible in small tests,
 * ruinous at a million rows. Here every plan is forced generic and made on empty statistics,
 * and the upserts must still only probe rows by id.
 */
describe('postgres: query plans made on empty tables', function () {
  this.timeout(60_000);

  let db: TestDatabase;
  let sql: postgres.Sql;
  before(async () => {
    db = await createScratchDatabase();
    // One connection, so that the session setting below applies to every statement.
    sql = db.url === undefined ? db.database.sql : createSql({ url: db.url, poolMax: 1 });
  });
  after(async () => {
    if (db.url !== undefined) await sql.end({ timeout: 5 });
    await db.database.close();
  });

  const scanCounts = async (): Promise<ScanCounts[]> => {
    // Statistics reach the shared counters when a session goes idle; this makes it the next time.
    await sql`SELECT pg_stat_force_next_flush()`;
    await sql`SELECT 1`;
    return sql.begin(async (tx) => {
      await tx`SELECT pg_stat_clear_snapshot()`;
      return tx<ScanCounts[]>`
        SELECT t.relname, t.seq_scan::int AS seq_scan, sum(i.idx_tup_read)::int AS idx_tup_read
        FROM pg_stat_user_tables t
        JOIN pg_stat_user_indexes i ON i.relid = t.relid
        WHERE t.relname IN ('page_visits', 'tab_aggregates')
        GROUP BY t.relname, t.seq_scan
        ORDER BY t.relname
      `;
    });
  };

  for (const conflicts of ['fail', 'skip'] as const) {
    it(`looks every record up by id, also in the foreign key check (first attempts ${conflicts === 'fail' ? 'insert plainly' : 'skip conflicts, as retries do'})`, async () => {
      await sql`SET plan_cache_mode = force_generic_plan`;
      await sql`TRUNCATE tab_aggregates, page_visits`;
      await sql`ANALYZE page_visits`;
      await sql`ANALYZE tab_aggregates`;
      const unitOfWork = new PostgresUnitOfWork(sql, { firstAttemptConflicts: conflicts });
      const sync = new SyncBatch(unitOfWork, { now: () => new Date('2026-01-01T00:00:00Z') }, { maxRecordsPerType: 1000 });
      const batch = () => {
        const pageVisits = Array.from({ length: 50 }, () => ({
          id: randomUUID(),
          url: `https://example.com/${randomUUID()}`,
          title: 'A page',
          visited_at: '2026-01-01T00:00:00Z',
        }));
        const tabAggregates = pageVisits.map((v) => ({
          id: randomUUID(),
          page_visit_id: v.id,
          total_time_seconds: 10,
          active_time_seconds: 5,
          closed_at: '2026-01-01T00:01:00Z',
        }));
        return { pageVisits, tabAggregates };
      };

      // The plans are made now, on a table with next to nothing in it ...
      expect((await sync.execute('alice', batch())).status).to.equal('ok');
      // ... and kept while a long history arrives: a plan that reads a user's rows reads all of these.
      await sql`
        INSERT INTO page_visits (id, user_id, url, title, visited_at, created_at, updated_at)
        SELECT gen_random_uuid(), 'alice', 'https://example.com/' || i, 'old', now(), now(), now()
        FROM generate_series(1, 2000) AS i
      `;
      const before = await scanCounts();
      const batches = Array.from({ length: 4 }, batch);
      for (const b of batches) expect((await sync.execute('alice', b)).status).to.equal('ok');
      // Re-sent, then changed: the lookups of known rows and the updates.
      for (const b of batches) expect((await sync.execute('alice', b)).status).to.equal('ok');
      const changed = batches.map((b) => ({
        pageVisits: b.pageVisits.map((v) => ({ ...v, title: 'Renamed' })),
        tabAggregates: b.tabAggregates.map((a) => ({ ...a, total_time_seconds: 20 })),
      }));
      for (const b of changed) {
        const result = await sync.execute('alice', b);
        expect(result.status === 'ok' && result.pageVisits.updated).to.equal(50);
      }
      const after = await scanCounts();

      expect(after.map((row) => row.relname)).to.deep.equal(['page_visits', 'tab_aggregates']);
      // 1,200 records sent: each looked up once or twice (the foreign key check, the update),
      // a few index entries each. Reading alice's history once per check would be 400,000.
      const read = after.map((row, i) => {
        const start = before[i] as ScanCounts;
        return { table: row.relname, seqScans: row.seq_scan - start.seq_scan, indexEntriesRead: row.idx_tup_read - start.idx_tup_read };
      });
      for (const row of read) {
        expect(row.seqScans, `sequential scans of ${row.table}`).to.equal(0);
        expect(row.indexEntriesRead, `index entries read in ${row.table}`).to.be.below(5000);
      }
    });
  }
});
