import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../../migrations/', import.meta.url));

/** Any constant both old and new instances agree on; it only has to be ours alone. */
const MIGRATION_LOCK_KEY = 7_245_001;

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/**
 * Plain SQL files in `migrations/`, applied in name order, each once. Everything runs in
 * one transaction under an advisory lock, so instances starting together apply them once
 * and a failed migration leaves nothing half done.
 */
export class Migrator {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly directory: string = MIGRATIONS_DIR,
  ) {}

  async migrate(): Promise<string[]> {
    const files = await this.files();
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      await tx`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
      const applied = new Set((await tx<{ name: string }[]>`SELECT name FROM schema_migrations`).map((r) => r.name));
      const done: string[] = [];
      for (const name of files.filter((file) => !applied.has(file))) {
        await tx.unsafe(await readFile(join(this.directory, name), 'utf8')).simple();
        await tx`INSERT INTO schema_migrations (name) VALUES (${name})`;
        done.push(name);
      }
      return done;
    });
  }

  async status(): Promise<MigrationStatus> {
    const files = await this.files();
    const [{ exists } = { exists: false }] = await this.sql<{ exists: boolean }[]>`
      SELECT to_regclass('schema_migrations') IS NOT NULL AS exists
    `;
    const applied = exists ? (await this.sql<{ name: string }[]>`SELECT name FROM schema_migrations ORDER BY name`).map((r) => r.name) : [];
    return { applied, pending: files.filter((file) => !applied.includes(file)) };
  }

  private async files(): Promise<string[]> {
    return (await readdir(this.directory)).filter((name) => name.endsWith('.sql')).sort();
  }
}
