import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { signToken } from '../../src/adapters/auth/token-signer.js';
import { startEmbeddedPostgres } from '../../src/adapters/persistence/postgres/embedded-postgres.js';
import { createSql } from '../../src/adapters/persistence/postgres/postgres-client.js';
import { pageVisit, tabAggregate } from '../support/records.js';
import { TEST_SECRET } from '../support/test-app.js';
import { createScratchDatabase, type TestDatabase } from '../support/test-database.js';

const BIN = fileURLToPath(new URL('../../bin/browsing-sync.mjs', import.meta.url));
const onServer = process.env['TEST_DATABASE_URL'] !== undefined;

interface ServiceProcess {
  child: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

async function startServiceProcess(databaseEnv: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '20000',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      RATE_LIMIT_RECORDS_PER_MINUTE: '0',
      SYNC_MAX_CONCURRENT_PER_USER: '0',
      ...databaseEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (typeof entry['url'] === 'string') resolve(entry['url']);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`the service exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url, logs, exited };
}

describe(`graceful shutdown (${onServer ? 'PostgreSQL server' : 'embedded PGlite'})`, function () {
  this.timeout(120_000);
  let scratch: TestDatabase | undefined;
  let dataDir: string | undefined;

  before(async () => {
    if (onServer) scratch = await createScratchDatabase();
    else dataDir = await mkdtemp(join(tmpdir(), 'browsing-sync-shutdown-'));
  });
  after(async () => {
    await scratch?.database.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM under load: finishes in-flight batches, stores every batch it answered 200, exits 0', async () => {
    const service = await startServiceProcess(onServer ? { DATABASE_URL: scratch!.url! } : { DATA_DIR: dataDir! });
    try {
      for (let ready = false; !ready; ) {
        ready = (await fetch(`${service.url}/readyz`)).status === 200;
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const acknowledged: { visits: string[]; aggregates: string[] }[] = [];
      const worker = async (n: number) => {
        const token = await signToken(TEST_SECRET, { sub: `shutdown-user-${n}`, ttlSeconds: 300 });
        for (;;) {
          const visits = Array.from({ length: 50 }, () => pageVisit());
          const aggregates = visits.map((visit) => tabAggregate(visit.id));
          let status: number;
          try {
            const response = await fetch(`${service.url}/api/v1/data/sync`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Connection: 'close' },
              body: JSON.stringify({ pageVisits: visits, tabAggregates: aggregates }),
            });
            status = response.status;
            await response.arrayBuffer();
          } catch {
            return; // refused or cut: not acknowledged, the client would retry
          }
          if (status !== 200) {
            expect(status).to.equal(503);
            continue;
          }
          acknowledged.push({ visits: visits.map((v) => v.id), aggregates: aggregates.map((a) => a.id) });
        }
      };
      const workers = Array.from({ length: 6 }, (_, n) => worker(n));
      while (acknowledged.length < 12) await new Promise((resolve) => setTimeout(resolve, 20));
      service.child.kill('SIGTERM');
      await Promise.all(workers);
      expect(await service.exited).to.equal(0);
      expect(service.logs.some((entry) => entry['msg'] === 'stopped')).to.equal(true);

      const visitIds = acknowledged.flatMap((batch) => batch.visits);
      const aggregateIds = acknowledged.flatMap((batch) => batch.aggregates);
      const counts = await countStored(visitIds, aggregateIds);
      expect(counts).to.deep.equal({ visits: visitIds.length, aggregates: aggregateIds.length });
    } finally {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    }
  });

  async function countStored(visitIds: string[], aggregateIds: string[]): Promise<{ visits: number; aggregates: number }> {
    const count = async (sql: postgres.Sql) => {
      // Ids travel as one JSON text: no dependence on the driver's array type lookup.
      const [visits] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM page_visits
        WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(visitIds)}::text::jsonb)::uuid)
      `;
      const [aggregates] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM tab_aggregates
        WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(aggregateIds)}::text::jsonb)::uuid)
      `;
      return { visits: visits?.n ?? -1, aggregates: aggregates?.n ?? -1 };
    };
    if (scratch !== undefined) return count(scratch.database.sql);
    // The service has exited, so its data directory (and its lock) can be opened here.
    const embedded = await startEmbeddedPostgres(dataDir!);
    const sql = createSql({ host: embedded.host, port: embedded.port, poolMax: 1 });
    try {
      return await count(sql);
    } finally {
      await sql.end({ timeout: 1 });
      await embedded.stop();
    }
  }
});
