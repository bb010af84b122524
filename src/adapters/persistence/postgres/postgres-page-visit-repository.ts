import type postgres from 'postgres';
import type { PageVisitOutcome, PageVisitRepository, Stored } from '../../../application/ports.js';
import type { PageVisit } from '../../../domain/page-visit.js';
import type { InsertConflicts } from './insert-conflicts.js';
import { settled } from './settled-outcomes.js';

type OutcomeRow = { id: string; outcome: PageVisitOutcome | null };

/**
 * One statement per batch. Each incoming id is looked up once (an index probe); the new ones
 * go to a plain INSERT, the cheapest way to write them (unnest of typed arrays: a stable
 * statement shape; id order: a stable lock order); the user's own ids are updated only when
 * their content differs (last write wins), so a re-sent record is never locked or written;
 * another user's ids are reported and left untouched. The statement answers for the ids that
 * were already stored; every other id was inserted.
 *
 * A row another transaction commits between this statement's snapshot and its insert: see
 * `InsertConflicts`. With `skip`, such rows go through this upsert again, as known ids.
 */
export class PostgresPageVisitRepository implements PageVisitRepository {
  constructor(
    private readonly sql: postgres.ISql,
    private readonly conflicts: InsertConflicts,
  ) {}

  async upsert(userId: string, visits: readonly PageVisit[], now: Date): Promise<ReadonlyMap<string, PageVisitOutcome>> {
    const { sql } = this;
    const rows = await sql<OutcomeRow[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${visits.map((v) => v.id)}::uuid[],
          ${visits.map((v) => v.url)}::text[],
          ${visits.map((v) => v.title)}::text[],
          ${visits.map((v) => v.visited_at)}::timestamptz[],
          ${visits.map((v) => v.source_page_visit_id)}::uuid[]
        ) AS t (id, url, title, visited_at, source_page_visit_id)
      ),
      classified AS (
        SELECT i.*, s.user_id AS owner,
          (s.url, s.title, s.visited_at, s.source_page_visit_id)
            IS NOT DISTINCT FROM (i.url, i.title, i.visited_at, i.source_page_visit_id) AS same
        FROM input i
        LEFT JOIN page_visits s ON s.id = i.id
      ),
      inserted AS (
        INSERT INTO page_visits (id, user_id, url, title, visited_at, source_page_visit_id, created_at, updated_at)
        SELECT id, ${userId}, url, title, visited_at, source_page_visit_id, ${now}, ${now}
        FROM classified
        WHERE owner IS NULL
        ORDER BY id
        ${this.conflicts === 'skip' ? sql`ON CONFLICT DO NOTHING RETURNING id` : sql``}
      ),
      -- Rows to change are locked in id order first, as the inserts are: batches that change
      -- the same rows in different orders then wait for each other instead of deadlocking.
      locked AS (
        SELECT s.id FROM page_visits s
        WHERE s.id = ANY (ARRAY(SELECT id FROM classified WHERE owner = ${userId} AND NOT same))
        ORDER BY s.id
        FOR NO KEY UPDATE
      ),
      updated AS (
        UPDATE page_visits s SET
          url = c.url,
          title = c.title,
          visited_at = c.visited_at,
          source_page_visit_id = c.source_page_visit_id,
          -- Never back: a batch that read the clock earlier may commit later.
          updated_at = GREATEST(s.updated_at, ${now})
        FROM classified c
        -- Only the locked rows: the user's own (owners never change, so the snapshot's owner
        -- holds) that differ. As a list, so that whichever side a plan starts from, it reaches
        -- the rows by primary key (see session-settings.ts). The content is checked again on
        -- the row as it is now, since a concurrent batch may have changed it.
        WHERE s.id = c.id AND s.id = ANY (ARRAY(SELECT id FROM locked))
          AND (s.url, s.title, s.visited_at, s.source_page_visit_id)
              IS DISTINCT FROM (c.url, c.title, c.visited_at, c.source_page_visit_id)
        RETURNING s.id
      )
      SELECT c.id,
        CASE
          WHEN u.id IS NOT NULL THEN 'updated'
          WHEN c.owner = ${userId} THEN 'unchanged'
          ELSE 'id_conflict'
        END AS outcome
      FROM classified c
      LEFT JOIN updated u ON u.id = c.id
      WHERE c.owner IS NOT NULL
      ${this.conflicts === 'skip' ? sql`
        UNION ALL
        -- Skipped: committed concurrently after this statement's snapshot (below).
        SELECT c.id, NULL FROM classified c
        WHERE c.owner IS NULL AND NOT EXISTS (SELECT 1 FROM inserted n WHERE n.id = c.id)
      ` : sql``}
    `;
    const outcomes = new Map<string, PageVisitOutcome | null>(visits.map((v) => [v.id, 'inserted']));
    for (const row of rows) outcomes.set(row.id, row.outcome);
    const skipped = new Set(rows.filter((row) => row.outcome === null).map((row) => row.id));
    if (skipped.size > 0) {
      // Committed by another transaction after this statement's snapshot. A new statement sees
      // them and decides them as known ids: updated, unchanged or another user's. Never again
      // skipped, since they are there now.
      const again = await this.upsert(userId, visits.filter((v) => skipped.has(v.id)), now);
      for (const [id, outcome] of again) outcomes.set(id, outcome);
    }
    return settled(outcomes);
  }

  async findById(id: string): Promise<Stored<PageVisit> | null> {
    const [row] = await this.sql<
      { id: string; user_id: string; url: string; title: string; visited_at: string; source_page_visit_id: string | null; created_at: Date; updated_at: Date }[]
    >`
      SELECT id, user_id, url, title,
        to_char(visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS visited_at,
        source_page_visit_id, created_at, updated_at
      FROM page_visits WHERE id = ${id}::uuid
    `;
    if (row === undefined) return null;
    const { user_id, created_at, updated_at, ...record } = row;
    return { userId: user_id, record, createdAt: created_at, updatedAt: updated_at };
  }
}
