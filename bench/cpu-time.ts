import { readFileSync } from 'node:fs';
import type postgres from 'postgres';

/** Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICK_MS = 10;

/** User + system CPU milliseconds a process has used so far, from /proc (0 when gone). */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5), counted after the command name (field 3 is fields[0]).
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU used during a phase by the service process and by the PostgreSQL backends serving the
 * bench database: a figure that, unlike wall time, hardly moves when the machine is busy.
 */
export async function cpuMeter(sql: postgres.Sql, database: string, servicePid: number) {
  const backends = async () =>
    (await sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${database}`).map((row) => row.pid);
  const startService = cpuMsOf(servicePid);
  const startBackends = new Map((await backends()).map((pid) => [pid, cpuMsOf(pid)]));
  return {
    async stop(): Promise<{ serviceMs: number; databaseMs: number }> {
      let databaseMs = 0;
      for (const pid of await backends()) databaseMs += cpuMsOf(pid) - (startBackends.get(pid) ?? 0);
      return { serviceMs: cpuMsOf(servicePid) - startService, databaseMs };
    },
  };
}
