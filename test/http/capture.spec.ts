import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaptureWriter } from '../../src/adapters/capture/capture-writer.js';
import { replay } from '../../src/adapters/cli/replay-command.js';
import { useCaseReplayTarget } from '../../src/adapters/cli/use-case-replay-target.js';
import { createLogger } from '../../src/adapters/logger.js';
import type { SyncBatch } from '../../src/application/sync-batch.js';
import { loadConfig } from '../../src/config.js';
import { buildContainer, TOKENS } from '../../src/main.js';
import { pageVisit, tabAggregate } from '../support/records.js';
import { captureIo } from '../support/replay-io.js';
import { userRows } from '../support/table-rows.js';
import { startTestApp } from '../support/test-app.js';
import { createScratchDatabase, testDatabase } from '../support/test-database.js';

async function captureFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort().map((name) => join(dir, name));
}

describe('request capture (CAPTURE_DIR)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capture-http-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('records authenticated sync requests, never the token, and replays them into a fresh database with identical rows', async () => {
    const app = await startTestApp({ env: { CAPTURE_DIR: dir } });
    const [alice, bob] = [randomUUID(), randomUUID()];
    const visits = [pageVisit(), pageVisit({ title: 'Ünïcødé \u2028 title' })];
    const aggregates = visits.map((visit) => tabAggregate(visit.id));
    const bobVisit = pageVisit();
    const answers: Array<{ status: number; requestId: string | null }> = [];
    const send = async (sub: string, body: unknown) => {
      const answer = await app.sync(sub, body);
      answers.push({ status: answer.status, requestId: answer.headers.get('X-Request-Id') });
      return answer.status;
    };
    const token = await app.token(alice);
    try {
      expect(await send(alice, { pageVisits: visits, tabAggregates: aggregates })).to.equal(200);
      // Raw newlines (and CRLF) in a pretty-printed body: still one capture line.
      expect(await send(bob, JSON.stringify({ pageVisits: [bobVisit], tabAggregates: [tabAggregate(bobVisit.id)] }, null, 2).replace(/\n/g, '\r\n'))).to.equal(200);
      expect(await send(alice, { pageVisits: [{ ...visits[0], title: 'Renamed' }], tabAggregates: [{ ...aggregates[0], total_time_seconds: 999 }] })).to.equal(200);
      expect(await send(alice, { pageVisits: visits })).to.equal(200);
      expect(await send(alice, { pageVisits: [pageVisit({ url: 'not a uri' })] })).to.equal(400);
      // Not captured: unauthenticated, and a body that is not JSON (nothing that could be replayed).
      const notJson = await app.sync(alice, '{"pageVisits": [');
      expect(notJson.status).to.equal(400);
      const anonymous = await fetch(`${app.url}/api/v1/data/sync`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(anonymous.status).to.equal(401);
    } finally {
      await app.close();
    }

    const files = await captureFiles(dir);
    const text = (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('');
    expect(text).not.to.include(token);
    expect(text.toLowerCase()).not.to.include('bearer');
    const lines = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.status, line.requestId])).to.deep.equal(answers.map((a) => [a.status, a.requestId]));
    expect(lines.map((line) => line.userId)).to.deep.equal([alice, bob, alice, alice, alice]);
    for (const line of lines) expect(Date.parse(line.time)).not.to.be.NaN;
    expect(lines[0].batch).to.deep.equal({ pageVisits: visits, tabAggregates: aggregates });

    const served = await userRows((await testDatabase()).database.sql, [alice, bob]);
    expect(served.pageVisits).to.have.length(3);
    const scratch = await createScratchDatabase();
    const replayed = await buildContainer(loadConfig({ LOG_LEVEL: 'silent' }), createLogger('silent'), { database: scratch.database });
    try {
      const syncBatch = replayed.container.get<SyncBatch>(TOKENS.SyncBatch);
      const io = captureIo();
      const code = await replay(files, { concurrency: 2, retries: 0, json: true }, io, async () =>
        useCaseReplayTarget(syncBatch, { dryRun: false, description: 'scratch' }),
      );
      const summary = JSON.parse(io.out());
      // The captured 400 is refused again, as it was then: that is what makes the exit code 1.
      expect(code).to.equal(1);
      expect(summary.batches).to.deep.equal({ total: 5, ok: 4, failed: 1, malformed: 0 });
      expect(summary.failures[0]).to.include({ line: 5, status: 400, capturedStatus: 400, userId: alice });
      expect(await userRows(scratch.database.sql, [alice, bob])).to.deep.equal(served);
    } finally {
      await replayed.close();
      await scratch.database.close();
    }
  });

  it('drops and counts lines when the queue is full, and every request still succeeds', async () => {
    const app = await startTestApp({ persistence: 'memory', env: { CAPTURE_DIR: dir, CAPTURE_QUEUE_MAX_BYTES: '1024' } });
    try {
      const writer = app.app.container.get<CaptureWriter>(TOKENS.CaptureWriter);
      const big = { pageVisits: Array.from({ length: 20 }, () => pageVisit()) };
      const statuses = await Promise.all(Array.from({ length: 10 }, () => app.sync('u', big)).map(async (answer) => (await answer).status));
      expect(statuses).to.deep.equal(Array(10).fill(200));
      // Every line is bigger than the whole queue: none can be taken.
      expect(writer.dropped).to.equal(10);
      expect(writer.written).to.equal(0);
    } finally {
      await app.close();
    }
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('is off when CAPTURE_DIR is unset', async () => {
    const app = await startTestApp({ persistence: 'memory' });
    try {
      expect(app.app.container.isBound(TOKENS.CaptureWriter)).to.equal(false);
      expect((await app.sync('u', { pageVisits: [pageVisit()] })).status).to.equal(200);
    } finally {
      await app.close();
    }
  });
});
