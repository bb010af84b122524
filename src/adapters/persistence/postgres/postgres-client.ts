import postgres from 'postgres';
import { SESSION_SETTINGS } from './session-settings.js';

export type DatabaseTarget = { url: string; poolMax: number } | { host: string; port: number; poolMax: 1 };

/** The postgres.js pool, set up the same way for a real server and for the embedded one. */
export function createSql(target: DatabaseTarget): postgres.Sql {
  const options: postgres.Options<{}> = {
    max: target.poolMax,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    connection: { application_name: 'browsing-sync', ...SESSION_SETTINGS },
  };
  return 'url' in target
    ? postgres(target.url, options)
    : postgres({ ...options, host: target.host, port: target.port, user: 'postgres', database: 'postgres' });
}
