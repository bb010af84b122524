import postgres from 'postgres';
import { SESSION_SETTINGS } from './session-settings.js';

/**
 * Seconds before the pool's next connection attempt after `failures` in a row. postgres.js
 * grows this to 20 s, so a database back after an outage of a few seconds would see the
 * service answer 503 for up to 20 s more; capped at 2 s, the service is back within 2 s of
 * the database, at the price of one connection attempt per 2 s while it is down. The jitter
 * keeps many instances from reconnecting in step.
 */
export function reconnectDelaySeconds(failures: number, random: () => number = Math.random): number {
  return (0.5 + random() / 2) * Math.min(3 ** failures / 100, 2);
}

export type DatabaseTarget = { url: string; poolMax: number } | { host: string; port: number; poolMax: 1 };

/** The postgres.js pool, set up the same way for a real server and for the embedded one. */
export function createSql(target: DatabaseTarget): postgres.Sql {
  const options: postgres.Options<{}> = {
    max: target.poolMax,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    backoff: (failures) => reconnectDelaySeconds(failures),
    connection: { application_name: 'browsing-sync', ...SESSION_SETTINGS },
  };
  return 'url' in target
    ? postgres(target.url, options)
    : postgres({ ...options, host: target.host, port: target.port, user: 'postgres', database: 'postgres' });
}
