import type postgres from 'postgres';
import type { Stored, TabAggregateOutcome, TabAggregateRepository } from '../../../application/ports.js';
import type { TabAggregate } from '../../../domain/tab-aggregate.js';
import { settled } from './settled-outcomes.js';

type OutcomeRow = { id: string; outcome: TabAggregateOutcome | null };

/**
 * One statement per batch, as for page visits. Only aggregates whose page visit is the
 * same user's are inserted; a known aggregate is rewritten only when the merge (each
 * measure keeps the larger value) makes it more complete. As for page visits, rows the
 * snapshot shows the merge would not change, or another user's, are not offered to the
 * INSERT, so a re-send takes no row locks.
 */
export class PostgresTabAggregateRepository implements TabAggregateRepository {
  constructor(private readonly sql: postgres.ISql) {}

  async upsert(userId: string, aggregates: readonly TabAggregate[], now: Date): Promise<ReadonlyMap<string, TabAggregateOutcome>> {
    const { sql } = this;
    const rows = await sql<OutcomeRow[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${sql.array(aggregates.map((a) => a.id))}::uuid[],
          ${sql.array(aggregates.map((a) => a.page_visit_id))}::uuid[],
          ${sql.array(aggregates.map((a) => a.total_time_seconds))}::int4[],
          ${sql.array(aggregates.map((a) => a.active_time_seconds))}::int4[],
          ${sql.array(aggregates.map((a) => a.scroll_depth_percent), 23)}::int4[],
          ${sql.array(aggregates.map((a) => a.closed_at))}::timestamptz[]
        ) AS t (id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at)
      ),
      classified AS (
        SELECT i.*, s.user_id AS owner, s.page_visit_id AS stored_page_visit_id,
          s.user_id IS NOT NULL AND s.page_visit_id = i.page_visit_id AND NOT (
            s.total_time_seconds < i.total_time_seconds
            OR s.active_time_seconds < i.active_time_seconds
            OR s.closed_at < i.closed_at
            OR s.scroll_depth_percent IS DISTINCT FROM GREATEST(s.scroll_depth_percent, i.scroll_depth_percent)
          ) AS same
        FROM input i
        LEFT JOIN tab_aggregates s ON s.id = i.id
      ),
      referenced AS (
        SELECT c.* FROM classified c
        WHERE (c.owner IS NULL OR (c.owner = ${userId} AND c.stored_page_visit_id = c.page_visit_id AND NOT c.same))
          AND EXISTS (SELECT 1 FROM page_visits p WHERE p.id = c.page_visit_id AND p.user_id = ${userId})
      ),
      written AS (
        INSERT INTO tab_aggregates AS t
          (id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, created_at, updated_at)
        SELECT id, ${userId}, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, ${now}, ${now}
        FROM referenced
        ORDER BY id
        ON CONFLICT (id) DO UPDATE SET
          total_time_seconds = GREATEST(t.total_time_seconds, excluded.total_time_seconds),
          active_time_seconds = GREATEST(t.active_time_seconds, excluded.active_time_seconds),
          scroll_depth_percent = GREATEST(t.scroll_depth_percent, excluded.scroll_depth_percent),
          closed_at = GREATEST(t.closed_at, excluded.closed_at),
          -- Never back: a batch that read the clock earlier may commit later.
          updated_at = GREATEST(t.updated_at, excluded.updated_at)
        WHERE t.user_id = excluded.user_id
          AND t.page_visit_id = excluded.page_visit_id
          AND (
            t.total_time_seconds < excluded.total_time_seconds
            OR t.active_time_seconds < excluded.active_time_seconds
            OR t.closed_at < excluded.closed_at
            OR t.scroll_depth_percent IS DISTINCT FROM GREATEST(t.scroll_depth_percent, excluded.scroll_depth_percent)
          )
        RETURNING t.id, t.xmax = 0 AS inserted
      )
      SELECT c.id,
        CASE
          WHEN w.id IS NOT NULL THEN CASE WHEN w.inserted THEN 'inserted' ELSE 'updated' END
          WHEN c.owner IS NOT NULL AND c.owner <> ${userId} THEN 'id_conflict'
          WHEN c.owner IS NOT NULL AND c.stored_page_visit_id <> c.page_visit_id THEN 'immutable_field'
          WHEN c.owner IS NOT NULL THEN 'unchanged'
          WHEN NOT EXISTS (SELECT 1 FROM referenced r WHERE r.id = c.id) THEN 'unknown_page_visit'
        END AS outcome
      FROM classified c
      LEFT JOIN written w ON w.id = c.id
    `;
    const outcomes = new Map(rows.map((row) => [row.id, row.outcome]));
    const unseen = rows.filter((row) => row.outcome === null);
    if (unseen.length > 0) {
      // Committed by a concurrent transaction after this statement's snapshot (see page visits).
      const pageVisitIds = new Map(aggregates.map((a) => [a.id, a.page_visit_id]));
      const stored = await sql<{ id: string; user_id: string; page_visit_id: string }[]>`
        SELECT id, user_id, page_visit_id FROM tab_aggregates
        WHERE id = ANY(${sql.array(unseen.map((row) => row.id))}::uuid[])
      `;
      for (const row of stored) {
        outcomes.set(
          row.id,
          row.user_id !== userId ? 'id_conflict' : row.page_visit_id !== pageVisitIds.get(row.id) ? 'immutable_field' : 'unchanged',
        );
      }
    }
    return settled(outcomes);
  }

  async findById(id: string): Promise<Stored<TabAggregate> | null> {
    const [row] = await this.sql<
      {
        id: string; user_id: string; page_visit_id: string; total_time_seconds: number; active_time_seconds: number;
        scroll_depth_percent: number | null; closed_at: string; created_at: Date; updated_at: Date;
      }[]
    >`
      SELECT id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent,
        to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS closed_at,
        created_at, updated_at
      FROM tab_aggregates WHERE id = ${id}::uuid
    `;
    if (row === undefined) return null;
    const { user_id, created_at, updated_at, ...record } = row;
    return { userId: user_id, record, createdAt: created_at, updatedAt: updated_at };
  }
}
