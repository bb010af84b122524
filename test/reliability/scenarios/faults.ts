import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../../src/adapters/persistence/postgres/database.js';
import { classifySqlError } from '../../../src/adapters/persistence/postgres/sql-errors.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { TEST_SECRET } from '../../support/test-app.js';
import { createScratchDatabase, type TestDatabase } from '../../support/test-database.js';
import { count } from '../support/figures.js';
import { post, tokenFor } from '../support/http-client.js';
import { startServiceOn, type InProcessService } from '../support/in-process-service.js';
import { auditLoad, makeLoad, runClients, type ClientRun, type Load } from '../support/load.js';
import { freePort, startServiceProcess, waitUntilReady, type ServiceProcess } from '../support/service-process.js';

export interface FaultScale {
  users: number;
  batchesPerUser: number;
  recordsPerBatch: number;
  /** Rounds of pg_terminate_backend on every backend of the scratch database. */
  terminations: number;
  /** Times the database becomes unreachable (proxy cut) or loses every connection (reset). */
  outages: number;
  outageMs: number;
  /** Child-process scenarios (start while down, SIGKILL): slower, for the long run. */
  processes: boolean;
  sigkills: number;
}

const SERVER = process.env['TEST_DATABASE_URL'];

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const acknowledged = (load: Load) => load.batches.filter((b) => b.acknowledged).length;

/** Clients stopped, the database audited: nothing acknowledged is missing, nothing is half there. */
async function stopAndAudit(run: ClientRun, load: Load, sql: postgres.Sql): Promise<void> {
  run.stop.requested = true;
  await run.done;
  const audit = await auditAfterFaults(sql, load);
  expect(audit.lost, 'batches answered 200 but not stored').to.equal(0);
  expect(audit.partial, 'batches partially stored').to.equal(0);
}

/**
 * The audit reads through the pool whose connections the faults kill: an idle connection
 * terminated a moment ago fails the one query sent on it (ECONNRESET, 57P01), so the audit is
 * asked again on a fresh connection rather than failing the test for the fault it injected.
 */
async function auditAfterFaults(sql: postgres.Sql, load: Load): ReturnType<typeof auditLoad> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await auditLoad(sql, load);
    } catch (error) {
      if (attempt >= 5 || classifySqlError(error) !== 'unavailable') throw error;
      await sleep(200);
    }
  }
}

/** Clients resumed until every batch is acknowledged; then every row is there exactly once. */
async function finishAndAudit(load: Load, url: () => string, sql: postgres.Sql, runs: ClientRun[]): Promise<void> {
  const last = runClients(load, url);
  runs.push(last);
  await last.done;
  const audit = await auditAfterFaults(sql, load);
  expect(audit.acknowledged).to.equal(load.batches.length);
  expect(audit.present).to.equal(load.batches.length);
  expect(audit.lost).to.equal(0);
  expect(audit.partial).to.equal(0);
  const perBatch = (load.batches[0]?.pageVisitIds.length ?? 0) * 2;
  expect(audit.rows).to.equal(load.batches.length * perBatch);
  const unexpected = runs.flatMap((r) => r.unexpected);
  expect(unexpected, 'every answer was 200 or 503 (never a 500 or a 400 for valid data)').to.deep.equal([]);
}

function proxiedUrl(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

function serverAddress(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

/**
 * Faults on a real PostgreSQL server, on a scratch database of the test's own: backends
 * terminated, the database unreachable (a proxy that cuts), the service started while it
 * is down, the service killed with SIGKILL. The server itself is never restarted.
 */
export function faultSuite(scale: FaultScale): void {
  describe(`faults (${scale.users} users × ${scale.batchesPerUser} batches of ${scale.recordsPerBatch}+${scale.recordsPerBatch} records)`, function () {
    this.timeout(300_000);
    let scratch: TestDatabase;
    const cleanups: (() => Promise<void>)[] = [];

    before(async function () {
      if (SERVER === undefined) {
        console.log('  [reliability] fault tests skipped: they need a PostgreSQL server (set TEST_DATABASE_URL); PGlite has no backends to kill');
        this.skip();
      }
      scratch = await createScratchDatabase();
    });

    afterEach(async function () {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    });

    after(async function () {
      await scratch?.database.close();
    });

    it('loses nothing when every backend is terminated again and again during a load', async function () {
      count('casesTried');
      const service = await startServiceOn(scratch.database);
      cleanups.push(() => service.close());
      const killer = postgres(scratch.url as string, { max: 1, onnotice: () => {} });
      cleanups.push(() => killer.end({ timeout: 1 }));
      const load = await makeLoad({ ...scale, secret: TEST_SECRET, tag: 'terminate' });
      const runs = [runClients(load, () => service.url)];
      for (let round = 0; round < scale.terminations && acknowledged(load) < load.batches.length; round++) {
        await sleep(20 + Math.random() * 120);
        // The backends are chosen first (OFFSET 0 keeps the planner from evaluating the
        // terminate call before the filter): only this database's, never the killer's own.
        const killed = await killer<{ terminated: boolean }[]>`
          SELECT pg_terminate_backend(pid) AS terminated FROM (
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() OFFSET 0
          ) AS own_backends
        `;
        count('faultsInjected', killed.filter((row) => row.terminated).length);
      }
      await stopAndAudit(runs[0] as ClientRun, load, scratch.database.sql);
      await finishAndAudit(load, () => service.url, scratch.database.sql, runs);
    });

    it('answers 503 while the database is unreachable, loses nothing, and recovers without a restart', async function () {
      count('casesTried');
      const { host, port } = serverAddress(scratch.url as string);
      const proxy = await startTcpProxy(host, port);
      cleanups.push(() => proxy.close());
      const database: Database = await openDatabase({ url: proxiedUrl(scratch.url as string, proxy), poolMax: 5, dataDir: '' });
      const service: InProcessService = await startServiceOn(database);
      cleanups.push(async () => {
        await service.close();
        await database.close();
      });
      const load = await makeLoad({ ...scale, secret: TEST_SECRET, tag: 'outage' });
      const runs = [runClients(load, () => service.url)];
      let saw503 = false;
      for (let outage = 0; outage < scale.outages; outage++) {
        await waitFor(() => acknowledged(load) >= ((outage + 1) * load.batches.length) / (scale.outages + 2), 60_000, 'progress');
        if (outage % 2 === 0) {
          proxy.cut();
          const probe = await post(service.url, await tokenFor(TEST_SECRET, 'probe'), '{"pageVisits":[]}');
          expect(probe.status, 'an empty batch needs no database').to.equal(200);
          const during = await post(service.url, await tokenFor(TEST_SECRET, 'probe'), (load.batches[0] as { body: string }).body);
          expect([200, 503]).to.include(during.status);
          if (during.status === 503) {
            saw503 = true;
            expect(during.headers.get('retry-after')).to.match(/^\d+$/);
            expect(during.text).not.to.match(/postgres|select|insert|127\.0\.0\.1|at .*\.ts/i);
          }
          await sleep(scale.outageMs);
          proxy.restore();
        } else {
          proxy.resetConnections();
        }
        count('faultsInjected');
      }
      await stopAndAudit(runs[0] as ClientRun, load, scratch.database.sql);
      await finishAndAudit(load, () => service.url, scratch.database.sql, runs);
      expect(saw503, 'the outage was visible as a 503').to.equal(true);
    });

    it('starts while the database is down, answers 503, and becomes ready on its own', async function () {
      if (!scale.processes) this.skip();
      count('casesTried');
      const { host, port } = serverAddress(scratch.url as string);
      const proxy = await startTcpProxy(host, port);
      cleanups.push(() => proxy.close());
      proxy.cut();
      count('faultsInjected');
      const service = await startServiceProcess(
        { DATABASE_URL: proxiedUrl(scratch.url as string, proxy), JWT_SECRET: TEST_SECRET },
        await freePort(),
      );
      cleanups.push(() => service.kill('SIGKILL'));
      expect((await fetch(`${service.url}/readyz`)).status).to.equal(503);
      const load = await makeLoad({ ...scale, users: 1, batchesPerUser: 1, secret: TEST_SECRET, tag: 'cold' });
      const batch = load.batches[0] as Load['batches'][number];
      const token = load.tokens.get(batch.user) as string;
      const down = await post(service.url, token, batch.body);
      expect(down.status).to.equal(503);
      expect(down.headers.get('retry-after')).to.match(/^\d+$/);
      proxy.restore();
      await waitUntilReady(service.url);
      const up = await post(service.url, token, batch.body);
      expect(up.status).to.equal(200);
      batch.acknowledged = true;
      count('batchesAcknowledged');
      const audit = await auditAfterFaults(scratch.database.sql, load);
      expect([audit.present, audit.lost, audit.partial]).to.deep.equal([1, 0, 0]);
      await service.kill('SIGTERM');
      expect(service.child.exitCode, service.output().slice(-1000)).to.equal(0);
      expectLogsKeepSecrets(service, load);
    });

    it('loses nothing when the service is killed with SIGKILL during a load and restarted', async function () {
      if (!scale.processes) this.skip();
      count('casesTried');
      const port = await freePort();
      const env = { DATABASE_URL: scratch.url as string, JWT_SECRET: TEST_SECRET };
      let service: ServiceProcess = await startServiceProcess(env, port);
      cleanups.push(() => service.kill('SIGKILL'));
      const load = await makeLoad({ ...scale, secret: TEST_SECRET, tag: 'sigkill' });
      const runs: ClientRun[] = [];
      for (let kill = 0; kill < scale.sigkills; kill++) {
        const run = runClients(load, () => service.url);
        runs.push(run);
        const target = ((kill + 1) * load.batches.length) / (scale.sigkills + 1);
        await waitFor(() => acknowledged(load) >= target, 120_000, 'progress before the kill');
        await service.kill('SIGKILL');
        count('faultsInjected');
        // While it is dead: every acknowledged batch is stored, none is half stored.
        await stopAndAudit(run, load, scratch.database.sql);
        expectLogsKeepSecrets(service, load);
        service = await startServiceProcess(env, port);
        await waitUntilReady(service.url);
      }
      await finishAndAudit(load, () => service.url, scratch.database.sql, runs);
      await service.kill('SIGTERM');
      expectLogsKeepSecrets(service, load);
    });
  });
}

/** Logs never carry browsing data (URLs, titles) or tokens. */
function expectLogsKeepSecrets(service: ServiceProcess, load: Load): void {
  const output = service.output();
  const sample = load.batches.slice(0, 20);
  for (const batch of sample) {
    const { pageVisits } = JSON.parse(batch.body) as { pageVisits: { url: string; title: string }[] };
    for (const visit of pageVisits) {
      expect(output).not.to.include(visit.url);
      expect(output).not.to.include(visit.title);
    }
    expect(output).not.to.include(load.tokens.get(batch.user) as string);
  }
}
