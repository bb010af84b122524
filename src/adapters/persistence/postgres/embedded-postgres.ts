import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock.js';
import { SESSION_SETTINGS } from './session-settings.js';

export interface EmbeddedPostgres {
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * PGlite served on a loopback port, so the postgres.js adapter and the migrations run on
 * it unchanged. `dataDir` undefined keeps the database in memory (tests).
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgres> {
  const unlock = dataDir === undefined ? async () => {} : await lockDataDir(dataDir);
  try {
    const db = await PGlite.create(dataDir === undefined ? undefined : join(dataDir, 'pgdata'));
    // Its one session serves every connection, so these hold for all of them.
    for (const [name, value] of Object.entries(SESSION_SETTINGS)) await db.query('SELECT set_config($1, $2, false)', [name, value]);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
    const [host = '127.0.0.1', port = ''] = server.getServerConn().split(':');
    return {
      host,
      port: Number(port),
      async stop() {
        await server.stop();
        await db.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}
