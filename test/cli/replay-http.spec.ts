import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTarget, replay } from '../../src/adapters/cli/replay-command.js';
import { ReplayAbortedError } from '../../src/adapters/cli/replay-errors.js';
import { httpReplayTarget, syncEndpoint } from '../../src/adapters/cli/http-replay-target.js';
import { pageVisit, tabAggregate } from '../support/records.js';
import { captureIo } from '../support/replay-io.js';
import { fullRows } from '../support/table-rows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabase } from '../support/test-database.js';

function batch(n: number) {
  const pageVisits = Array.from({ length: n }, () => pageVisit());
  return { pageVisits, tabAggregates: pageVisits.map((visit) => tabAggregate(visit.id)) };
}

describe('replay --to (over HTTP)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-http-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe('against the real service', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    it('stores every batch as the token\'s user, idempotently, without opening a database', async () => {
      const user = randomUUID();
      const token = await app.token(user);
      const path = join(dir, 'batches.ndjson');
      await writeFile(path, [batch(2), batch(3)].map((x) => JSON.stringify(x)).join('\n'));

      const first = captureIo();
      expect(await replay([path], { to: app.url, token, concurrency: 2, retries: 0, json: true }, first, connectTarget), first.err()).to.equal(0);
      expect(JSON.parse(first.out()).records).to.deep.equal({ inserted: 10, updated: 0, unchanged: 0, rejected: 0 });
      const sql = (await testDatabase()).database.sql;
      const rows = await fullRows(sql, [user]);
      expect(rows.pageVisits).to.have.length(5);

      const second = captureIo();
      expect(await replay([path], { to: app.url, token, concurrency: 1, retries: 0, json: true }, second, connectTarget)).to.equal(0);
      expect(JSON.parse(second.out()).records).to.deep.equal({ inserted: 0, updated: 0, unchanged: 10, rejected: 0 });
      expect(await fullRows(sql, [user])).to.deep.equal(rows);
    });

    it('reports the service\'s refusal with its failed records (exit 1)', async () => {
      const path = join(dir, 'bad.ndjson');
      await writeFile(path, JSON.stringify({ pageVisits: [pageVisit({ visited_at: 'yesterday' })] }));
      const io = captureIo();
      expect(await replay([path], { to: app.url, token: await app.token('u'), concurrency: 1, retries: 0 }, io, connectTarget)).to.equal(1);
      expect(io.out()).to.include(`FAILED ${path}:1`);
      expect(io.out()).to.include('status=400 validation_failed');
      expect(io.out()).to.include('visited_at');
    });

    it('stops with exit 2 when the token is refused', async () => {
      const path = join(dir, 'one.ndjson');
      await writeFile(path, JSON.stringify(batch(1)));
      const io = captureIo();
      expect(await replay([path], { to: app.url, token: 'not.a.token', concurrency: 1, retries: 0 }, io, connectTarget)).to.equal(2);
      expect(io.err()).to.include('refused the token (401)');
    });
  });

  describe('retries', () => {
    let server: Server;
    let url: string;
    let answers: Array<{ status: number; headers?: Record<string, string> }>;
    let requests: number;

    before(async () => {
      server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          requests++;
          const answer = answers.shift() ?? { status: 200 };
          const body =
            answer.status === 200
              ? { status: 'ok', pageVisits: { received: 1, inserted: 1, updated: 0, unchanged: 0 }, tabAggregates: { received: 0, inserted: 0, updated: 0, unchanged: 0 } }
              : { error: 'busy', code: answer.status === 429 ? 'rate_limited' : 'unavailable' };
          response.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
          response.end(JSON.stringify(body));
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    beforeEach(() => {
      requests = 0;
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    it('waits as Retry-After says on 429 and 503, then succeeds', async () => {
      answers = [
        { status: 429, headers: { 'Retry-After': '3' } },
        { status: 503, headers: { 'Retry-After': '1' } },
      ];
      const waits: number[] = [];
      const target = httpReplayTarget({ url, token: 't', retries: 2, wait: async (ms) => void waits.push(ms) });
      const outcome = await target.send(undefined, { pageVisits: [pageVisit()] });
      expect(outcome.status).to.equal('ok');
      expect(waits).to.deep.equal([3000, 1000]);
      expect(requests).to.equal(3);
    });

    it('gives up after the bounded number of retries', async () => {
      answers = [{ status: 503, headers: { 'Retry-After': '120' } }, { status: 503 }, { status: 503 }];
      const waits: number[] = [];
      const target = httpReplayTarget({ url, token: 't', retries: 1, maxWaitMs: 5000, wait: async (ms) => void waits.push(ms) });
      let thrown: unknown;
      await target.send(undefined, {}).catch((error: unknown) => (thrown = error));
      expect(thrown).to.be.instanceOf(ReplayAbortedError);
      expect(waits).to.deep.equal([5000]);
      expect(requests).to.equal(2);
      answers = [];
    });

    it('finds the sync endpoint from a base URL, with or without a path prefix', () => {
      expect(syncEndpoint('http://h:1').href).to.equal('http://h:1/api/v1/data/sync');
      expect(syncEndpoint('http://h:1/prefix/').href).to.equal('http://h:1/prefix/api/v1/data/sync');
      expect(syncEndpoint('http://h:1/api/v1/data/sync').href).to.equal('http://h:1/api/v1/data/sync');
    });
  });
});
