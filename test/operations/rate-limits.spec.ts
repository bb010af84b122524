import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { concurrentBatchCap } from '../../src/adapters/http/concurrency-cap.js';
import { errorHandler } from '../../src/adapters/http/error-handler.js';
import { createLogger } from '../../src/adapters/logger.js';
import { pageVisit } from '../support/records.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabase } from '../support/test-database.js';

function visits(count: number) {
  return Array.from({ length: count }, () => pageVisit());
}

describe('protection: per-user rate limits', () => {
  describe('requests per minute (memory store)', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ persistence: 'memory', env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '5' } });
    });
    after(() => app.close());

    it("answers a flood from one user with 429 and Retry-After while another user's batches still succeed", async () => {
      const flooder = `flood-${randomUUID()}`;
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await app.sync(flooder, { pageVisits: visits(1) });
        statuses.push(response.status);
        if (response.status === 429) {
          expect(response.body.code).to.equal('rate_limited');
          expect(Number(response.headers.get('retry-after'))).to.be.within(1, 60);
        }
      }
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429, 429, 429]);
      const other = await app.sync(`calm-${randomUUID()}`, { pageVisits: visits(1) });
      expect(other.status).to.equal(200);

      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).to.match(/^rate_limited_requests_total\{limit="requests"\} 3$/m);
    });

    it('refuses before reading the body: an over-limit request is 429 whatever it carries', async () => {
      const user = `early-${randomUUID()}`;
      for (let i = 0; i < 5; i++) expect((await app.sync(user, {})).status).to.equal(200);
      const response = await fetch(`${app.url}/api/v1/data/sync`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await app.token(user)}`, 'Content-Type': 'text/plain' },
        body: 'not even json',
      });
      expect(response.status).to.equal(429);
    });

    it('counts only authenticated requests: a bad token is 401, not charged to anyone', async () => {
      const response = await fetch(`${app.url}/api/v1/data/sync`, {
        method: 'POST',
        headers: { Authorization: 'Bearer nonsense', 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(response.status).to.equal(401);
    });
  });

  describe('records per minute', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ persistence: 'postgres', env: { RATE_LIMIT_RECORDS_PER_MINUTE: '10' } });
    });
    after(() => app.close());

    it('answers 429 once a user has sent its records budget, stores nothing of the refused batch, and leaves others alone', async () => {
      const user = `records-${randomUUID()}`;
      expect((await app.sync(user, { pageVisits: visits(6) })).status).to.equal(200);
      const refusedBatch = visits(6);
      const refused = await app.sync(user, { pageVisits: refusedBatch });
      expect(refused.status).to.equal(429);
      expect(refused.body.code).to.equal('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      const { database } = await testDatabase();
      const [{ count }] = (await database.sql`
        SELECT count(*)::int AS count FROM page_visits WHERE id = ANY(${refusedBatch.map((v) => v.id)}::uuid[])
      `) as unknown as [{ count: number }];
      expect(count).to.equal(0);
      expect((await app.sync(`other-${randomUUID()}`, { pageVisits: visits(6) })).status).to.equal(200);
    });

    it('lets one batch larger than the whole budget through when the budget is unused', async () => {
      const user = `big-${randomUUID()}`;
      expect((await app.sync(user, { pageVisits: visits(15) })).status).to.equal(200);
      expect((await app.sync(user, { pageVisits: visits(1) })).status).to.equal(429);
    });
  });

  describe('RATE_LIMIT_STORE=postgres', () => {
    let first: TestApp;
    let second: TestApp;
    before(async () => {
      const env = { RATE_LIMIT_STORE: 'postgres', RATE_LIMIT_REQUESTS_PER_MINUTE: '4' };
      first = await startTestApp({ persistence: 'postgres', env });
      second = await startTestApp({ persistence: 'postgres', env });
    });
    after(async () => {
      await first.close();
      await second.close();
    });

    it('shares one budget between instances', async () => {
      const user = `shared-${randomUUID()}`;
      expect((await first.sync(user, {})).status).to.equal(200);
      expect((await second.sync(user, {})).status).to.equal(200);
      expect((await first.sync(user, {})).status).to.equal(200);
      expect((await second.sync(user, {})).status).to.equal(200);
      expect((await first.sync(user, {})).status).to.equal(429);
      expect((await second.sync(user, {})).status).to.equal(429);
      expect((await second.sync(`someone-else-${randomUUID()}`, {})).status).to.equal(200);
    });
  });

  describe('concurrent batches per user', () => {
    it('is enforced by the service before the body is read (SYNC_MAX_CONCURRENT_PER_USER)', async () => {
      const app = await startTestApp({ persistence: 'memory', env: { SYNC_MAX_CONCURRENT_PER_USER: '1' } });
      const user = `slow-${randomUUID()}`;
      let finishBody: () => void = () => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          // Half a JSON body now, the rest when the test says so: the batch stays in flight.
          controller.enqueue(new TextEncoder().encode('{"pageVisits": ['));
          finishBody = () => {
            finishBody = () => {};
            controller.enqueue(new TextEncoder().encode(`${JSON.stringify(pageVisit())}]}`));
            controller.close();
          };
        },
      });
      try {
        const slow = fetch(`${app.url}/api/v1/data/sync`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await app.token(user)}` },
          body,
          duplex: 'half',
        } as RequestInit);
        let second = await app.sync(user, { pageVisits: visits(1) });
        for (let attempt = 0; second.status === 200 && attempt < 200; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          second = await app.sync(user, { pageVisits: visits(1) });
        }
        expect(second.status).to.equal(429);
        expect(second.body.code).to.equal('rate_limited');
        expect(second.headers.get('retry-after')).to.equal('1');
        expect((await app.sync(`other-${randomUUID()}`, { pageVisits: visits(1) })).status).to.equal(200);
        finishBody();
        expect((await slow).status).to.equal(200);
        expect((await app.sync(user, { pageVisits: visits(1) })).status).to.equal(200);
      } finally {
        finishBody();
        await app.close();
      }
    });

    it('answers 429 beyond the cap, per user, and frees the slot when a batch ends', async () => {
      const held = new Map<string, (() => void)[]>();
      const heldCount = () => [...held.values()].reduce((sum, list) => sum + list.length, 0);
      const releaseOne = (user: string) => held.get(user)?.shift()?.();
      const app = new Koa();
      app.silent = true;
      app.use(errorHandler(createLogger('silent')));
      app.use(async (ctx, next) => {
        ctx.state['userId'] = ctx.get('X-User');
        await next();
      });
      app.use(concurrentBatchCap(2, () => {}));
      app.use(async (ctx) => {
        const user = ctx.state['userId'] as string;
        await new Promise<void>((resolve) => held.set(user, [...(held.get(user) ?? []), resolve]));
        ctx.body = { status: 'ok' };
      });
      const server = createServer(app.callback()).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const call = (user: string) => fetch(url, { headers: { 'X-User': user } });
      const waitForHeld = async (count: number) => {
        while (heldCount() < count) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      try {
        const firstA = call('a');
        const secondA = call('a');
        const onlyB = call('b');
        await waitForHeld(3);
        const third = await call('a');
        expect(third.status).to.equal(429);
        expect(third.headers.get('retry-after')).to.equal('1');
        expect(((await third.json()) as any).code).to.equal('rate_limited');

        releaseOne('a');
        expect((await Promise.race([firstA, secondA])).status).to.equal(200);
        const again = call('a');
        await waitForHeld(3);
        releaseOne('a');
        releaseOne('a');
        releaseOne('b');
        expect((await again).status).to.equal(200);
        expect((await firstA).status).to.equal(200);
        expect((await secondA).status).to.equal(200);
        expect((await onlyB).status).to.equal(200);
      } finally {
        for (const list of held.values()) for (const done of list.splice(0)) done();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
