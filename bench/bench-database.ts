import postgres from 'postgres';
import { Migrator } from '../src/adapters/persistence/postgres/migrator.js';
import { SESSION_SETTINGS } from '../src/adapters/persistence/postgres/session-settings.js';

/** A database of the bench's own on the server at `serverUrl`, migrated, dropped by `drop()`. */
export interface BenchDatabase {
  name: string;
  url: string;
  /** Pool for the bench's own statements (ceiling, truncation, preload). */
  sql: postgres.Sql;
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

export async function createBenchDatabase(serverUrl: string, poolMax: number): Promise<BenchDatabase> {
  const name = `browsing_sync_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // The ceiling's sessions get the service's planner settings too: without them, the foreign
  // key check's cached plan, made on the truncated tables, sometimes scanned page_visits for
  // every aggregate, and the ceiling ran at half its speed (7 against 3 ms of PostgreSQL CPU
  // per batch), which flattered every ratio to it.
  const sql = postgres(url.toString(), {
    max: poolMax,
    onnotice: () => {},
    connection: { application_name: 'browsing-sync-bench', ...SESSION_SETTINGS },
  });
  await new Migrator(sql).migrate();
  return {
    name,
    url: url.toString(),
    sql,
    async truncate() {
      await sql`TRUNCATE tab_aggregates, page_visits`;
      // Truncated tables have no statistics; fresh ones would, so make them comparable.
      await sql`ANALYZE page_visits`;
      await sql`ANALYZE tab_aggregates`;
    },
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * `rows` rows (half page visits, half their tab aggregates) for `users` users, written by
 * set-based SQL: the grown-table phase needs a full table, not a slow way to fill one.
 */
export async function preload(sql: postgres.Sql, rows: number, users: number): Promise<void> {
  const visits = Math.floor(rows / 2);
  const chunk = 250_000;
  for (let from = 1; from <= visits; from += chunk) {
    const to = Math.min(visits, from + chunk - 1);
    await sql.begin(async (tx) => {
      await tx`
        INSERT INTO page_visits (id, user_id, url, title, visited_at, source_page_visit_id, created_at, updated_at)
        SELECT md5('pv' || i)::uuid, 'preload-' || (i % ${users}),
          'https://www.example.com/articles/' || i || '/' || md5(i::text) || '?utm_source=newsletter&ref=' || left(md5((i * 7)::text), 16),
          'Preloaded article ' || i || ' – ' || left(md5((i * 3)::text), 24),
          timestamptz '2025-01-01' + i * interval '7 seconds', NULL, now(), now()
        FROM generate_series(${from}::int, ${to}::int) AS i
      `;
      await tx`
        INSERT INTO tab_aggregates (id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, created_at, updated_at)
        SELECT md5('ta' || i)::uuid, 'preload-' || (i % ${users}), md5('pv' || i)::uuid,
          120 + i % 600, 60 + i % 60, i % 101, timestamptz '2025-01-01' + i * interval '7 seconds' + interval '2 minutes', now(), now()
        FROM generate_series(${from}::int, ${to}::int) AS i
      `;
    });
  }
  await sql`VACUUM ANALYZE page_visits`;
  await sql`VACUUM ANALYZE tab_aggregates`;
}
