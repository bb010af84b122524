import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay, type ConnectTarget, type ReplayOptions } from '../../src/adapters/cli/replay-command.js';
import { useCaseReplayTarget } from '../../src/adapters/cli/use-case-replay-target.js';
import { createLogger } from '../../src/adapters/logger.js';
import type { MemoryUnitOfWork } from '../../src/adapters/persistence/memory/memory-unit-of-work.js';
import type { SyncBatch } from '../../src/application/sync-batch.js';
import { loadConfig } from '../../src/config.js';
import { buildContainer, TOKENS, type AppContainer } from '../../src/main.js';
import { pageVisit, tabAggregate } from '../support/records.js';
import { captureIo } from '../support/replay-io.js';
import { fullRows, userRows } from '../support/table-rows.js';
import { testDatabase } from '../support/test-database.js';

const defaults: ReplayOptions = { concurrency: 1, retries: 0 };

/** A batch of `n` visits with one aggregate each; `visits` lets a later batch reference them. */
function batch(n: number) {
  const pageVisits = Array.from({ length: n }, () => pageVisit());
  return { pageVisits, tabAggregates: pageVisits.map((visit) => tabAggregate(visit.id)) };
}

function captureLine(userId: string, body: unknown, status = 200): string {
  return JSON.stringify({ time: new Date().toISOString(), requestId: randomUUID(), userId, status, batch: body });
}

describe('replay', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  describe('into the in-memory adapter', () => {
    let app: AppContainer;
    let connect: ConnectTarget;

    beforeEach(async () => {
      const config = loadConfig({ LOG_LEVEL: 'silent' });
      app = await buildContainer(config, createLogger('silent'), { persistence: 'memory' });
      const syncBatch = app.container.get<SyncBatch>(TOKENS.SyncBatch);
      connect = async (options) => useCaseReplayTarget(syncBatch, { dryRun: options.dryRun === true, description: 'memory' });
    });
    afterEach(() => app.close());

    const tables = () => app.container.get<MemoryUnitOfWork>(TOKENS.UnitOfWork).store.tables;

    it('stores an NDJSON file, a pretty-printed JSON file, a capture file and standard input', async () => {
      const [a, b, c, d, e] = [batch(2), batch(3), batch(1), batch(2), batch(1)];
      const ndjson = await file('batches.ndjson', `${JSON.stringify(a)}\n\n${JSON.stringify(b)}\r\n`);
      const pretty = await file('one.json', JSON.stringify(c, null, 2));
      const capture = await file('capture.ndjson', `${captureLine('carol', d)}\n`);
      const io = captureIo(`${JSON.stringify(e)}\n`);

      const code = await replay([ndjson, pretty, capture, '-'], { ...defaults, user: 'alice', json: true }, io, connect);

      expect(code, io.err()).to.equal(0);
      const summary = JSON.parse(io.out());
      expect(summary.batches).to.deep.equal({ total: 5, ok: 5, failed: 0, malformed: 0 });
      expect(summary.records).to.deep.equal({ inserted: 18, updated: 0, unchanged: 0, rejected: 0 });
      const visits = tables().pageVisits;
      expect(visits.size).to.equal(9);
      for (const visit of [...a.pageVisits, ...b.pageVisits, ...c.pageVisits, ...e.pageVisits]) {
        expect(visits.get(visit.id)?.userId).to.equal('alice');
      }
      // A capture line carries its own user; --user is only for batches that carry none.
      for (const visit of d.pageVisits) expect(visits.get(visit.id)?.userId).to.equal('carol');
    });

    it('changes nothing when the same input is replayed again', async () => {
      const path = await file('batches.ndjson', [batch(2), batch(2)].map((x) => JSON.stringify(x)).join('\n'));
      expect(await replay([path], { ...defaults, user: 'alice' }, captureIo(), connect)).to.equal(0);
      const before = structuredClone(tables());

      const io = captureIo();
      expect(await replay([path], { ...defaults, user: 'alice', json: true }, io, connect)).to.equal(0);
      expect(JSON.parse(io.out()).records).to.deep.equal({ inserted: 0, updated: 0, unchanged: 8, rejected: 0 });
      expect(tables()).to.deep.equal(before);
    });

    it('reports a malformed line with its line number, replays the rest and exits 1', async () => {
      const [a, b] = [batch(1), batch(1)];
      const path = await file('broken.ndjson', `${JSON.stringify(a)}\n{"pageVisits": [\n${JSON.stringify(b)}\n`);
      const io = captureIo();

      expect(await replay([path], { ...defaults, user: 'alice' }, io, connect)).to.equal(1);

      expect(io.out()).to.include(`MALFORMED ${path}:2: not valid JSON`);
      expect(io.out()).to.include('batches: 2 ok, 0 failed, 1 malformed line');
      expect(tables().pageVisits.has(a.pageVisits[0]!.id)).to.equal(true);
      expect(tables().pageVisits.has(b.pageVisits[0]!.id)).to.equal(true);
    });

    it('lists a refused batch with file, line, user, status and its first failed records, and exits 1', async () => {
      const good = batch(1);
      const bad = { pageVisits: [pageVisit({ url: 'no-scheme' }), pageVisit({ title: 5 })] };
      const path = await file('mixed.ndjson', `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`);
      const io = captureIo();

      expect(await replay([path], { ...defaults, user: 'alice' }, io, connect)).to.equal(1);

      expect(io.out()).to.match(new RegExp(`FAILED ${path}:2 user=alice status=400 validation_failed`));
      expect(io.out()).to.include('pageVisit[0]');
      expect(io.out()).to.include('pageVisit[1]');
      expect(io.out()).to.include('records: 2 inserted, 0 updated, 0 unchanged, 2 rejected');
      expect(tables().pageVisits.size).to.equal(1);
    });

    it('writes nothing with --dry-run, yet reports what would happen', async () => {
      const path = await file('batches.ndjson', JSON.stringify(batch(3)));
      const io = captureIo();

      expect(await replay([path], { ...defaults, user: 'alice', dryRun: true, json: true }, io, connect)).to.equal(0);

      const summary = JSON.parse(io.out());
      expect(summary.dryRun).to.equal(true);
      expect(summary.records.inserted).to.equal(6);
      expect(tables().pageVisits.size).to.equal(0);
      expect(tables().tabAggregates.size).to.equal(0);
    });

    it('refuses plain batches without --user (exit 2) and names the line', async () => {
      const path = await file('plain.ndjson', JSON.stringify(batch(1)));
      const io = captureIo();
      expect(await replay([path], defaults, io, connect)).to.equal(2);
      expect(io.err()).to.include(`${path}:1 is a plain batch and names no user: pass --user SUB`);
      expect(tables().pageVisits.size).to.equal(0);
    });

    it('exits 2 for a missing file or conflicting options, before replaying anything', async () => {
      const missing = captureIo();
      expect(await replay([join(dir, 'nope.ndjson')], { ...defaults, user: 'a' }, missing, connect)).to.equal(2);
      expect(missing.err()).to.include('no such file');

      const noFiles = captureIo();
      expect(await replay([], { ...defaults, user: 'a' }, noFiles, connect)).to.equal(2);

      const dryTo = captureIo();
      const path = await file('x.ndjson', '{}');
      expect(await replay([path], { ...defaults, to: 'http://127.0.0.1:1', token: 't', dryRun: true }, dryTo, connect)).to.equal(2);
      expect(dryTo.err()).to.include('--dry-run');
    });
  });

  describe(`into PostgreSQL (${process.env['TEST_DATABASE_URL'] ? 'server' : 'embedded PGlite'})`, () => {
    let app: AppContainer;
    let connect: ConnectTarget;

    before(async () => {
      const config = loadConfig({ LOG_LEVEL: 'silent' });
      app = await buildContainer(config, createLogger('silent'), { database: (await testDatabase()).database });
      const syncBatch = app.container.get<SyncBatch>(TOKENS.SyncBatch);
      connect = async (options) => useCaseReplayTarget(syncBatch, { dryRun: options.dryRun === true, description: 'test database' });
    });
    after(() => app.close());

    const sql = async () => (await testDatabase()).database.sql;

    it('stores every input kind, and a second replay changes nothing, not even updated_at', async () => {
      const [alice, carol] = [randomUUID(), randomUUID()];
      const [a, b, c] = [batch(3), batch(2), batch(2)];
      const ndjson = await file('batches.ndjson', `${JSON.stringify(a)}\n`);
      const pretty = await file('one.json', JSON.stringify(b, null, 2));
      const capture = await file('capture.ndjson', `${captureLine(carol, c)}\n`);
      const inputs = [ndjson, pretty, capture, '-'];
      const stdinBatch = batch(1);

      expect(await replay(inputs, { ...defaults, user: alice }, captureIo(JSON.stringify(stdinBatch)), connect)).to.equal(0);
      const first = await fullRows(await sql(), [alice, carol]);
      expect(first.pageVisits).to.have.length(8);
      expect(first.tabAggregates).to.have.length(8);
      expect(first.pageVisits.filter((row) => row['user_id'] === carol)).to.have.length(2);

      const io = captureIo(JSON.stringify(stdinBatch));
      expect(await replay(inputs, { ...defaults, user: alice, json: true }, io, connect)).to.equal(0);
      expect(JSON.parse(io.out()).records).to.deep.equal({ inserted: 0, updated: 0, unchanged: 16, rejected: 0 });
      expect(await fullRows(await sql(), [alice, carol])).to.deep.equal(first);
    });

    it('keeps each user\'s batches in order with --concurrency, while users run side by side', async () => {
      const users = [randomUUID(), randomUUID(), randomUUID()];
      const lines: string[] = [];
      // Each user's second batch completes the visits its first batch stored: out of order, it is refused.
      for (let round = 0; round < 4; round++) {
        for (const user of users) {
          const visits = [pageVisit(), pageVisit()];
          lines.push(captureLine(user, { pageVisits: visits }));
          lines.push(captureLine(user, { tabAggregates: visits.map((visit) => tabAggregate(visit.id)) }));
        }
      }
      const path = await file('interleaved.ndjson', lines.join('\n'));
      const io = captureIo();

      expect(await replay([path], { ...defaults, concurrency: 4, json: true }, io, connect), io.out()).to.equal(0);
      const rows = await userRows(await sql(), users);
      expect(rows.pageVisits).to.have.length(24);
      expect(rows.tabAggregates).to.have.length(24);
    });

    it('writes nothing with --dry-run, though storage rules are checked', async () => {
      const user = randomUUID();
      const orphan = { tabAggregates: [tabAggregate(randomUUID())] };
      const path = await file('dry.ndjson', `${JSON.stringify(batch(2))}\n${JSON.stringify(orphan)}\n`);
      const io = captureIo();

      expect(await replay([path], { ...defaults, user, dryRun: true }, io, connect)).to.equal(1);

      expect(io.out()).to.include('unknown_page_visit');
      const rows = await userRows(await sql(), [user]);
      expect(rows).to.deep.equal({ pageVisits: [], tabAggregates: [] });
    });
  });
});
