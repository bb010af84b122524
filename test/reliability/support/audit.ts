import type postgres from 'postgres';
import type { PageVisitRow, TabAggregateRow } from './wire-records.js';

/** What the database holds, read with plain SQL (not through the service's repositories). */

const TS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export interface UserSnapshot {
  pageVisits: (PageVisitRow & { created_at: string; updated_at: string })[];
  tabAggregates: (TabAggregateRow & { created_at: string; updated_at: string })[];
}

export async function userSnapshot(sql: postgres.Sql, userId: string): Promise<UserSnapshot> {
  const pageVisits = await sql.unsafe<UserSnapshot['pageVisits']>(
    `SELECT id::text, url, title, to_char(visited_at AT TIME ZONE 'UTC', ${TS}) AS visited_at,
       source_page_visit_id::text, created_at::text, updated_at::text
     FROM page_visits WHERE user_id = $1 ORDER BY id`,
    [userId],
  );
  const tabAggregates = await sql.unsafe<UserSnapshot['tabAggregates']>(
    `SELECT id::text, page_visit_id::text, total_time_seconds, active_time_seconds, scroll_depth_percent,
       to_char(closed_at AT TIME ZONE 'UTC', ${TS}) AS closed_at, created_at::text, updated_at::text
     FROM tab_aggregates WHERE user_id = $1 ORDER BY id`,
    [userId],
  );
  return { pageVisits: [...pageVisits], tabAggregates: [...tabAggregates] };
}

/** The snapshot without the service-owned timestamps, to compare with expected rows. */
export function contentOf(snapshot: UserSnapshot): { pageVisits: PageVisitRow[]; tabAggregates: TabAggregateRow[] } {
  return {
    pageVisits: snapshot.pageVisits.map(({ created_at: _c, updated_at: _u, ...row }) => row),
    tabAggregates: snapshot.tabAggregates.map(({ created_at: _c, updated_at: _u, ...row }) => row),
  };
}

export interface TableCounts {
  pageVisits: number;
  tabAggregates: number;
}

export async function tableCounts(sql: postgres.Sql): Promise<TableCounts> {
  const [row] = await sql<{ pv: number; ta: number }[]>`
    SELECT (SELECT count(*)::int FROM page_visits) AS pv, (SELECT count(*)::int FROM tab_aggregates) AS ta
  `;
  return { pageVisits: row?.pv ?? -1, tabAggregates: row?.ta ?? -1 };
}

/** Owner of each of the given ids, in either table. */
export async function owners(sql: postgres.Sql, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; user_id: string }[]>`
    SELECT id::text, user_id FROM page_visits WHERE id = ANY(${[...ids]}::uuid[])
    UNION ALL
    SELECT id::text, user_id FROM tab_aggregates WHERE id = ANY(${[...ids]}::uuid[])
  `;
  return new Map(rows.map((row) => [row.id, row.user_id]));
}
