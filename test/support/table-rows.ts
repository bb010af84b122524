import type postgres from 'postgres';

/**
 * One user's rows in both tables, every column but the service's own timestamps (which
 * record when the server stored a row, so differ between two databases by nature).
 */
export async function userRows(sql: postgres.Sql, userIds: string[]) {
  const pageVisits = await sql`
    SELECT id, user_id, url, title, visited_at, source_page_visit_id
    FROM page_visits WHERE user_id = ANY(${userIds}) ORDER BY id`;
  const tabAggregates = await sql`
    SELECT id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at
    FROM tab_aggregates WHERE user_id = ANY(${userIds}) ORDER BY id`;
  return { pageVisits: [...pageVisits], tabAggregates: [...tabAggregates] };
}

/** Including created_at/updated_at: for checking that a second replay touched nothing. */
export async function fullRows(sql: postgres.Sql, userIds: string[]) {
  const pageVisits = await sql`SELECT * FROM page_visits WHERE user_id = ANY(${userIds}) ORDER BY id`;
  const tabAggregates = await sql`SELECT * FROM tab_aggregates WHERE user_id = ANY(${userIds}) ORDER BY id`;
  return { pageVisits: [...pageVisits], tabAggregates: [...tabAggregates] };
}
