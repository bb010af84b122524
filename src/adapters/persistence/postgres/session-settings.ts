/**
 * Planner settings for every session of the service, on a server (sent when a connection
 * opens) and on PGlite (set once on its single session, which ignores connection parameters).
 *
 * Every statement of the service looks rows up by key, a few at a time, and must stay an
 * index probe as the tables grow. PostgreSQL caches one generic plan per prepared statement;
 * made while a table is empty or freshly emptied, and kept until its statistics change (which
 * without autovacuum, as on PGlite, is never), such a plan scans the whole table for every
 * batch, a cost that then grows with the table (docs/performance.md). These settings price
 * out every plan that reads a table, or a copy of it, whole: sequential scans, hash and merge
 * joins, materialised inner sides. They only price them out; where no index applies, a scan
 * still runs. The statements are written so that an index on id always applies, and
 * test/persistence/query-plans.spec.ts holds them to it.
 */
export const SESSION_SETTINGS = {
  enable_seqscan: 'off',
  enable_hashjoin: 'off',
  enable_mergejoin: 'off',
  enable_material: 'off',
} as const;
