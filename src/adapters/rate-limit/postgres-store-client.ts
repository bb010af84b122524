import type postgres from 'postgres';

/** The part of a `pg` client that rate-limiter-flexible's RateLimiterPostgres calls. */
export interface PgStyleClient {
  query(query: { text: string; values?: unknown[] }): Promise<{ rows: unknown[]; rowCount: number }>;
}

/**
 * RateLimiterPostgres speaks to `pg` clients; this lends it the service's postgres.js pool
 * instead of a second driver and pool. Its statements are fixed text with `$n` parameters,
 * which `sql.unsafe` runs as they are (parameters still travel separately, never inlined).
 */
export function pgStyleClient(sql: postgres.Sql): PgStyleClient {
  return {
    async query({ text, values = [] }) {
      const rows = await sql.unsafe(text, values as postgres.ParameterOrJSON<never>[]);
      return { rows: [...rows], rowCount: rows.count };
    },
  };
}
