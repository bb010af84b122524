import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/adapters/persistence/postgres/database.js';
import { Migrator } from '../../src/adapters/persistence/postgres/migrator.js';
import { createSql } from '../../src/adapters/persistence/postgres/postgres-client.js';
import { startEmbeddedPostgres } from '../../src/adapters/persistence/postgres/embedded-postgres.js';

/**
 * The database the postgres-backed tests run against: an in-memory PGlite by default, or,
 * when TEST_DATABASE_URL is set, a database of its own on that server, created for this run
 * and dropped after it.
 */
export interface TestDatabase {
  database: Database;
  kind: 'embedded' | 'server';
  /** The URL of the scratch database (server only), for tests that start their own processes. */
  url: string | undefined;
  /** Empties the tables between tests. */
  reset(): Promise<void>;
}

let shared: Promise<TestDatabase> | undefined;

export function testDatabase(): Promise<TestDatabase> {
  shared ??= createScratchDatabase();
  return shared;
}

export async function closeTestDatabase(): Promise<void> {
  if (shared === undefined) return;
  const db = await shared;
  shared = undefined;
  await db.database.close();
}

/** A new, migrated database (a second one for tests that must not share, e.g. fault tests). */
export async function createScratchDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env['TEST_DATABASE_URL'];
  const database = serverUrl === undefined ? await embedded() : await onServer(serverUrl);
  await new Migrator(database.sql).migrate();
  return {
    database,
    kind: serverUrl === undefined ? 'embedded' : 'server',
    url: serverUrl === undefined ? undefined : database.description,
    async reset() {
      await database.sql`TRUNCATE tab_aggregates, page_visits`;
    },
  };
}

async function embedded(): Promise<Database> {
  const pglite = await startEmbeddedPostgres(undefined);
  const sql = createSql({ host: pglite.host, port: pglite.port, poolMax: 1 });
  return {
    sql,
    description: 'embedded PGlite (memory)',
    async close() {
      await sql.end({ timeout: 5 });
      await pglite.stop();
    },
  };
}

async function onServer(serverUrl: string): Promise<Database> {
  const name = `browsing_sync_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const opened = await openDatabase({ url: url.toString(), poolMax: 10, dataDir: '' });
  return {
    sql: opened.sql,
    // The scratch URL: tests that start a server process point it here.
    description: url.toString(),
    async close() {
      await opened.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
