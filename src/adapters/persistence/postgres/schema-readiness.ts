import type postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import type { Migrator } from './migrator.js';

/**
 * Applies migrations in the background until they succeed, so the service starts (and
 * answers 503) while the database is down, and becomes ready on its own when it returns.
 */
export class SchemaReadiness {
  private migrated = false;
  private stopped = false;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly migrator: Migrator,
    private readonly logger: Logger,
  ) {}

  async migrateUntilDone(maxDelayMs = 10_000): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const applied = await this.migrator.migrate();
        this.migrated = true;
        this.logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
        return;
      } catch (error) {
        const delay = Math.min(maxDelayMs, 250 * 2 ** attempt);
        this.logger.warn({ err: error, retryInMs: delay }, 'database not ready; will retry migrations');
        await sleep(delay);
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }

  async ready(): Promise<boolean> {
    if (!this.migrated) return false;
    await this.sql`SELECT 1`;
    return true;
  }
}
