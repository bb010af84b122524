import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const BUILD = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
/** What `npm start` runs. */
const ENTRY = fileURLToPath(new URL('../dist/adapters/cli/main.js', import.meta.url));

export interface ServiceOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** DATABASE_POOL_MAX for the service; undefined keeps the service's default. */
  poolMax: number | undefined;
  /** Directory for `node --cpu-prof` output, or undefined for no profile. */
  cpuProfileDir: string | undefined;
  /** Extra flags for the service's node, e.g. a heap limit. */
  nodeFlags?: string[];
}

/** The service as `npm start` runs it (built, then `node dist/adapters/cli/main.js serve`), in a process of its own. */
export interface ServiceProcess {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'browsing-sync-bench-'));
  const nodeArgs = [
    ...(options.nodeFlags ?? []),
    ...(options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]),
  ];
  const child = spawn(process.execPath, [...nodeArgs, ENTRY, 'serve'], {
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      ...(options.poolMax === undefined ? {} : { DATABASE_POOL_MAX: String(options.poolMax) }),
      JWT_SECRET: options.jwtSecret,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // The bench measures ingest; per-user limits would refuse its deliberately busy users.
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      RATE_LIMIT_RECORDS_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = once(child, 'exit');
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(baseUrl, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, pid: child.pid as number, stop };
}

async function waitUntilReady(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error('the service was not ready within 60 s');
}

/** A port nobody listens on right now (the service is told its port; PORT=0 would hide it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resident memory of a process in bytes, from /proc (Linux). */
export function memoryOf(pid: number): { rssBytes: number; peakBytes: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(/^(\w+):\s+(\d+) kB$/m.exec(status.split('\n').find((line) => line.startsWith(`${name}:`)) ?? '')?.[2] ?? 0) * 1024;
    return { rssBytes: field('VmRSS'), peakBytes: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Samples the service's RSS every 50 ms while a phase runs; `stop()` returns the peak seen. */
export function sampleRss(pid: number): { stop(): number } {
  let peak = memoryOf(pid)?.rssBytes ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid)?.rssBytes ?? 0);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, memoryOf(pid)?.rssBytes ?? 0);
    },
  };
}
