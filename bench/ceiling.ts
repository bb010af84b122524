import type postgres from 'postgres';
import type { BenchBatch } from './records.js';
import { runConcurrently } from './summary.js';

/**
 * The most PostgreSQL takes through postgres.js for the same rows: per batch one
 * transaction with one plain unnest INSERT per table, pipelined on one connection; no
 * validation, no conflict handling, no outcome reporting.
 */
export async function writeDirect(sql: postgres.Sql, batches: readonly BenchBatch[], concurrency: number) {
  return runConcurrently(batches.length, concurrency, async (index) => {
    const { userId, pageVisits, tabAggregates } = batches[index] as BenchBatch;
    await sql.begin((tx) => [
      tx`
        INSERT INTO page_visits (id, user_id, url, title, visited_at, source_page_visit_id, created_at, updated_at)
        SELECT id, ${userId}, url, title, visited_at, source_page_visit_id, now(), now()
        FROM unnest(
          ${pageVisits.map((v) => v.id)}::uuid[],
          ${pageVisits.map((v) => v.url)}::text[],
          ${pageVisits.map((v) => v.title)}::text[],
          ${pageVisits.map((v) => v.visited_at)}::timestamptz[],
          ${pageVisits.map((v) => v.source_page_visit_id)}::uuid[]
        ) AS t (id, url, title, visited_at, source_page_visit_id)
      `,
      tx`
        INSERT INTO tab_aggregates (id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, created_at, updated_at)
        SELECT id, ${userId}, page_visit_id, total, active, scroll, closed_at, now(), now()
        FROM unnest(
          ${tabAggregates.map((a) => a.id)}::uuid[],
          ${tabAggregates.map((a) => a.page_visit_id)}::uuid[],
          ${tabAggregates.map((a) => a.total_time_seconds)}::int4[],
          ${tabAggregates.map((a) => a.active_time_seconds)}::int4[],
          ${tabAggregates.map((a) => a.scroll_depth_percent)}::int4[],
          ${tabAggregates.map((a) => a.closed_at)}::timestamptz[]
        ) AS t (id, page_visit_id, total, active, scroll, closed_at)
      `,
    ]);
  });
}
