import type postgres from 'postgres';
import type { PageVisitOutcome, PageVisitRepository, Stored } from '../../../application/ports.js';
import type { PageVisit } from '../../../domain/page-visit.js';
import { settled } from './settled-outcomes.js';

type OutcomeRow = { id: string; outcome: PageVisitOutcome | null };

/**
 * One statement per batch: unnest typed arrays (a stable statement shape), insert in id
 * order (a stable lock order), and let the ON CONFLICT guard decide what is written:
 * only the same user's rows, only when the content differs. Rows the statement's snapshot
 * already shows as identical or as another user's never reach the INSERT: ON CONFLICT DO
 * UPDATE locks every conflicting row even when its WHERE refuses the update, and a row lock
 * is a write (tuple header, WAL), which made re-sends slower than first sends.
 */
export class PostgresPageVisitRepository implements PageVisitRepository {
  constructor(private readonly sql: postgres.ISql) {}

  async upsert(userId: string, visits: readonly PageVisit[], now: Date): Promise<ReadonlyMap<string, PageVisitOutcome>> {
    const { sql } = this;
    const rows = await sql<OutcomeRow[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${sql.array(visits.map((v) => v.id))}::uuid[],
          ${sql.array(visits.map((v) => v.url))}::text[],
          ${sql.array(visits.map((v) => v.title))}::text[],
          ${sql.array(visits.map((v) => v.visited_at))}::timestamptz[],
          ${sql.array(visits.map((v) => v.source_page_visit_id))}::uuid[]
        ) AS t (id, url, title, visited_at, source_page_visit_id)
      ),
      classified AS (
        SELECT i.*, s.user_id AS owner,
          s.user_id IS NOT NULL
            AND (s.url, s.title, s.visited_at, s.source_page_visit_id)
                IS NOT DISTINCT FROM (i.url, i.title, i.visited_at, i.source_page_visit_id) AS same
        FROM input i
        LEFT JOIN page_visits s ON s.id = i.id
      ),
      written AS (
        INSERT INTO page_visits AS p
          (id, user_id, url, title, visited_at, source_page_visit_id, created_at, updated_at)
        SELECT id, ${userId}, url, title, visited_at, source_page_visit_id, ${now}, ${now}
        FROM classified
        WHERE owner IS NULL OR (owner = ${userId} AND NOT same)
        ORDER BY id
        ON CONFLICT (id) DO UPDATE SET
          url = excluded.url,
          title = excluded.title,
          visited_at = excluded.visited_at,
          source_page_visit_id = excluded.source_page_visit_id,
          -- Never back: a batch that read the clock earlier may commit later.
          updated_at = GREATEST(p.updated_at, excluded.updated_at)
        WHERE p.user_id = excluded.user_id
          AND (p.url, p.title, p.visited_at, p.source_page_visit_id)
              IS DISTINCT FROM (excluded.url, excluded.title, excluded.visited_at, excluded.source_page_visit_id)
        RETURNING p.id, p.xmax = 0 AS inserted
      )
      SELECT c.id,
        CASE
          WHEN w.id IS NOT NULL THEN CASE WHEN w.inserted THEN 'inserted' ELSE 'updated' END
          WHEN c.owner = ${userId} THEN 'unchanged'
          WHEN c.owner IS NOT NULL THEN 'id_conflict'
        END AS outcome
      FROM classified c
      LEFT JOIN written w ON w.id = c.id
    `;
    const outcomes = new Map(rows.map((row) => [row.id, row.outcome]));
    const unseen = rows.filter((row) => row.outcome === null).map((row) => row.id);
    if (unseen.length > 0) {
      // Rows committed by a concurrent transaction after this statement's snapshot: ON CONFLICT
      // saw and locked them, the snapshot did not. A new statement sees them.
      const owners = await sql<{ id: string; user_id: string }[]>`
        SELECT id, user_id FROM page_visits WHERE id = ANY(${sql.array(unseen)}::uuid[])
      `;
      for (const row of owners) outcomes.set(row.id, row.user_id === userId ? 'unchanged' : 'id_conflict');
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
