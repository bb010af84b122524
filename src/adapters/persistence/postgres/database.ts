import type postgres from 'postgres';
import { createSql } from './postgres-client.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface Database {
  sql: postgres.Sql;
  /** Where the data lives, for log lines: never the URL itself, which may hold a password. */
  description: string;
  close(): Promise<void>;
}

export interface DatabaseSettings {
  url: string | undefined;
  poolMax: number;
  dataDir: string;
}

/**
 * DATABASE_URL names a PostgreSQL server; without it, an embedded PGlite keeps its data in
 * DATA_DIR. PGlite is one session, so its pool has one connection.
 */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.url !== undefined) {
    const sql = createSql({ url: settings.url, poolMax: settings.poolMax });
    const { host, port, database } = sql.options;
    return {
      sql,
      description: `PostgreSQL at ${host.join(',')}:${port.join(',')}/${database}`,
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const embedded = await startEmbeddedPostgres(settings.dataDir);
  const sql = createSql({ host: embedded.host, port: embedded.port, poolMax: 1 });
  return {
    sql,
    description: `embedded PGlite in ${settings.dataDir}`,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded.stop();
    },
  };
}
