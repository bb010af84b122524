/**
 * What an upsert's INSERT does with an id that another transaction committed after the
 * statement's snapshot (the snapshot showed no such row, so the INSERT offered it).
 *
 * - `fail`: a plain INSERT, the cheapest; the unique violation (23505) fails the transaction
 *   and the unit of work retries it.
 * - `skip`: `ON CONFLICT DO NOTHING`, which checks every row against the index once more
 *   before inserting it; skipped rows go through the upsert again, whose new statement sees
 *   them as known ids (updated, merged, unchanged or another user's).
 *
 * The unit of work tries `fail` first and retries with `skip`, so a batch pays the check only
 * when it has raced another, and never fails the same way twice.
 */
export type InsertConflicts = 'fail' | 'skip';
