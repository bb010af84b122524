import type postgres from 'postgres';
import type { Stored, TabAggregateOutcome, TabAggregateRepository } from '../../../application/ports.js';
import type { TabAggregate } from '../../../domain/tab-aggregate.js';
import type { InsertConflicts } from './insert-conflicts.js';
import { settled } from './settled-outcomes.js';

type OutcomeRow = { id: string; outcome: TabAggregateOutcome | null };

/**
 * One statement per batch, as for page visits: each incoming id looked up once, the new ones
 * inserted by a plain INSERT when their page visit is the same user's (stored earlier or in
 * this transaction), a known aggregate of the user rewritten only when the merge (each
 * measure keeps the larger value) makes it more complete. Another user's id, a changed
 * page_visit_id and an unknown page visit are reported. A row committed concurrently after
 * the snapshot: see `InsertConflicts`.
 */
export class PostgresTabAggregateRepository implements TabAggregateRepository {
  constructor(
    private readonly sql: postgres.ISql,
    private readonly conflicts: InsertConflicts,
  ) {}

  async upsert(userId: string, aggregates: readonly TabAggregate[], now: Date): Promise<ReadonlyMap<string, TabAggregateOutcome>> {
    const { sql } = this;
    const rows = await sql<OutcomeRow[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${aggregates.map((a) => a.id)}::uuid[],
          ${aggregates.map((a) => a.page_visit_id)}::uuid[],
          ${aggregates.map((a) => a.total_time_seconds)}::int4[],
          ${aggregates.map((a) => a.active_time_seconds)}::int4[],
          ${aggregates.map((a) => a.scroll_depth_percent)}::int4[],
          ${aggregates.map((a) => a.closed_at)}::timestamptz[]
        ) AS t (id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at)
      ),
      classified AS (
        SELECT i.*, s.user_id AS owner, s.page_visit_id AS stored_page_visit_id,
          -- A subquery per row, by id alone: one probe each, whatever the user's history.
          CASE WHEN s.id IS NULL THEN coalesce(
            (SELECT p.user_id FROM page_visits p WHERE p.id = i.page_visit_id) = ${userId}, false
          ) END AS visit_known,
          NOT (
            s.total_time_seconds < i.total_time_seconds
            OR s.active_time_seconds < i.active_time_seconds
            OR s.closed_at < i.closed_at
            OR s.scroll_depth_percent IS DISTINCT FROM GREATEST(s.scroll_depth_percent, i.scroll_depth_percent)
          ) AS complete
        FROM input i
        LEFT JOIN tab_aggregates s ON s.id = i.id
      ),
      inserted AS (
        INSERT INTO tab_aggregates
          (id, user_id, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, created_at, updated_at)
        SELECT id, ${userId}, page_visit_id, total_time_seconds, active_time_seconds, scroll_depth_percent, closed_at, ${now}, ${now}
        FROM classified
        WHERE owner IS NULL AND visit_known
        ORDER BY id
        ${this.conflicts === 'skip' ? sql`ON CONFLICT DO NOTHING RETURNING id` : sql``}
      ),
      -- Rows to change are locked in id order first (see page visits).
      locked AS (
        SELECT s.id FROM tab_aggregates s
        WHERE s.id = ANY (ARRAY(
          SELECT id FROM classified WHERE owner = ${userId} AND stored_page_visit_id = page_visit_id AND NOT complete
        ))
        ORDER BY s.id
        FOR NO KEY UPDATE
      ),
      updated AS (
        UPDATE tab_aggregates s SET
          total_time_seconds = GREATEST(s.total_time_seconds, c.total_time_seconds),
          active_time_seconds = GREATEST(s.active_time_seconds, c.active_time_seconds),
          scroll_depth_percent = GREATEST(s.scroll_depth_percent, c.scroll_depth_percent),
          closed_at = GREATEST(s.closed_at, c.closed_at),
          -- Never back: a batch that read the clock earlier may commit later.
          updated_at = GREATEST(s.updated_at, ${now})
        FROM classified c
        -- Only the locked rows: the user's own with the same page visit (owner and page visit
        -- never change, so the snapshot's hold) that the merge would complete. As a list, so
        -- that whichever side a plan starts from, it reaches the rows by primary key (see
        -- session-settings.ts). The measures are checked again on the row as it is now, since
        -- a concurrent batch may have changed them.
        WHERE s.id = c.id AND s.id = ANY (ARRAY(SELECT id FROM locked))
          AND (
            s.total_time_seconds < c.total_time_seconds
            OR s.active_time_seconds < c.active_time_seconds
            OR s.closed_at < c.closed_at
            OR s.scroll_depth_percent IS DISTINCT FROM GREATEST(s.scroll_depth_percent, c.scroll_depth_percent)
          )
        RETURNING s.id
      )
      SELECT c.id,
        CASE
          WHEN c.owner IS NULL THEN 'unknown_page_visit'
          WHEN u.id IS NOT NULL THEN 'updated'
          WHEN c.owner <> ${userId} THEN 'id_conflict'
          WHEN c.stored_page_visit_id <> c.page_visit_id THEN 'immutable_field'
          ELSE 'unchanged'
        END AS outcome
      FROM classified c
      LEFT JOIN updated u ON u.id = c.id
      WHERE c.owner IS NOT NULL OR NOT c.visit_known
      ${this.conflicts === 'skip' ? sql`
        UNION ALL
        -- Skipped: committed concurrently after this statement's snapshot (below).
        SELECT c.id, NULL FROM classified c
        WHERE c.owner IS NULL AND c.visit_known AND NOT EXISTS (SELECT 1 FROM inserted n WHERE n.id = c.id)
      ` : sql``}
    `;
    const outcomes = new Map<string, TabAggregateOutcome | null>(aggregates.map((a) => [a.id, 'inserted']));
    for (const row of rows) outcomes.set(row.id, row.outcome);
    const skipped = new Set(rows.filter((row) => row.outcome === null).map((row) => row.id));
    if (skipped.size > 0) {
      // Committed by another transaction meanwhile: decided as known ids by a new statement (see page visits).
      const again = await this.upsert(userId, aggregates.filter((a) => skipped.has(a.id)), now);
      for (const [id, outcome] of again) outcomes.set(id, outcome);
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
