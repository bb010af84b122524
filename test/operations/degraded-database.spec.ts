import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { pageVisit, tabAggregate } from '../support/records.js';
import { startServiceBehindProxy, type ServiceBehindProxy } from './support/service-behind-proxy.js';

/** Polls until `check` holds; the deadline is generous, it only stops a broken test from hanging. */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await sleep(100);
  }
}

const onServer = process.env['TEST_DATABASE_URL'] !== undefined;

function batch() {
  const visit = pageVisit();
  return { pageVisits: [visit, pageVisit()], tabAggregates: [tabAggregate(visit.id)] };
}

describe(`degraded operation: the database goes away and comes back (${onServer ? 'PostgreSQL server' : 'embedded PGlite'} behind a proxy)`, function () {
  // Each wait below has its own deadline; this only has to cover them on a busy machine.
  this.timeout(120_000);
  describe('starting while the database is down', () => {
    let service: ServiceBehindProxy;
    before(async () => {
      service = await startServiceBehindProxy({ cutBeforeStart: true });
    });
    after(() => service.close());

    it('serves /healthz, answers /readyz and sync with 503 and Retry-After', async () => {
      expect((await service.get('/healthz')).status).to.equal(200);
      const ready = await service.get('/readyz');
      expect(ready.status).to.equal(503);
      expect(ready.headers.get('retry-after')).to.match(/^\d+$/);
      const sync = await service.sync('degraded-user', batch());
      expect(sync.status).to.equal(503);
      expect(sync.body.code).to.equal('unavailable');
      expect(sync.headers.get('retry-after')).to.match(/^\d+$/);
      expect(JSON.stringify(sync.body)).not.to.match(/ECONN|postgres|SELECT|INSERT|\/work\//i);
      // An empty batch needs no database and is answered as always.
      expect((await service.sync('degraded-user', {})).status).to.equal(200);
    });

    it('becomes ready and stores batches once the database is back, without a restart', async () => {
      service.proxy.restore();
      await eventually(async () => (await service.get('/readyz')).status === 200, '/readyz 200 after restore');
      const body = batch();
      const response = await service.sync('degraded-user', body);
      expect(response.status).to.equal(200);
      expect(response.body.pageVisits.inserted).to.equal(2);
    });
  });

  describe('a database that stops answering in the middle of a transaction', () => {
    let service: ServiceBehindProxy;
    before(async () => {
      service = await startServiceBehindProxy({ cutBeforeStart: false, env: { DATABASE_TRANSACTION_TIMEOUT_MS: '1000' } });
      await eventually(async () => (await service.get('/readyz')).status === 200, 'ready at start');
    });
    after(() => service.close());

    it('answers 503 when the transaction deadline passes (not a hang), and the resend is stored once it answers again', async () => {
      const body = batch();
      // The batch's own id is in the statement's parameters: the proxy passes BEGIN and that
      // statement, then holds everything, with the connection open and silent.
      service.proxy.stallAt(body.pageVisits[0]!.id);
      // Without the deadline this request waits until the test client gives up (20 s) and fails.
      const stalled = await service.sync('stalled-user', body);
      expect(stalled.status, JSON.stringify(stalled.body)).to.equal(503);
      expect(stalled.body.code).to.equal('unavailable');
      expect(stalled.headers.get('retry-after')).to.match(/^\d+$/);

      service.proxy.restore();
      // The abandoned transaction may commit once its bytes get through: the resend is then
      // answered unchanged, else inserted. Either way it is stored, once.
      const resent = await service.sync('stalled-user', body);
      expect(resent.status, JSON.stringify(resent.body)).to.equal(200);
      expect(resent.body.pageVisits.inserted + resent.body.pageVisits.unchanged).to.equal(2);
      expect(resent.body.tabAggregates.inserted + resent.body.tabAggregates.unchanged).to.equal(1);
      const ids = body.pageVisits.map((visit) => visit.id);
      const [stored] = await service.sql<{ count: number }[]>`
        SELECT count(*)::int AS count FROM page_visits WHERE id = ANY(${ids}::uuid[])
      `;
      expect(stored?.count).to.equal(2);
    });
  });

  // A connection that goes while a statement runs on it fails that transaction, and must leave
  // nothing behind for the next one. With postgres.js 3.4.9 it did: on a reset (RST) the
  // transaction's ROLLBACK went to the dead socket between its 'error' and 'close' events and
  // stayed queued, so on the reconnected socket every answer went to the query before, and the
  // next transaction there waited for ever. One connection in the pool makes the reuse certain.
  // Server only, as below.
  (onServer ? describe : describe.skip)('a connection reset in the middle of a transaction', () => {
    let service: ServiceBehindProxy;
    before(async () => {
      service = await startServiceBehindProxy({ cutBeforeStart: false, poolMax: 1, env: { DATABASE_TRANSACTION_TIMEOUT_MS: '10000' } });
      await eventually(async () => (await service.get('/readyz')).status === 200, 'ready at start');
    });
    after(() => service.close());

    for (const how of ['abort', 'close'] as const) {
      it(`answers that batch 503, and stores the waiting and later ones on the same connection (${how === 'abort' ? 'RST' : 'FIN'})`, async () => {
        // The statements are then prepared on the connection: the stalled one is sent whole,
        // and is running on the database when the connection goes.
        expect((await service.sync('reset-user', batch())).status).to.equal(200);
        const lost = batch();
        service.proxy.stallAt(lost.pageVisits[0]!.id);
        const lostAnswer = service.sync('reset-user', lost);
        await service.proxy.whenStalled();
        // Queued for the one connection: it gets that connection as soon as it is closed.
        const waiting = batch();
        const waitingAnswer = service.sync('reset-user', waiting);
        await sleep(100);
        service.proxy.resetConnections(how);
        service.proxy.restore();
        const refused = await lostAnswer;
        expect(refused.status, JSON.stringify(refused.body)).to.equal(503);
        const waited = await waitingAnswer;
        // Only a connection went; the database did not: a 503 here would stall a sync for nothing.
        expect(waited.status, JSON.stringify(waited.body)).to.equal(200);

        const later = [batch(), batch()];
        for (const body of later) {
          const response = await service.sync('reset-user', body);
          expect(response.status, JSON.stringify(response.body)).to.equal(200);
          expect(response.body.pageVisits.inserted).to.equal(2);
        }
        const idsOf = (bodies: ReturnType<typeof batch>[]) => bodies.flatMap((b) => b.pageVisits.map((v) => v.id));
        const [count] = await service.sql<{ lost: number; waiting: number; later: number }[]>`
          SELECT count(*) FILTER (WHERE id = ANY(${idsOf([lost])}::uuid[]))::int AS lost,
                 count(*) FILTER (WHERE id = ANY(${idsOf([waiting])}::uuid[]))::int AS waiting,
                 count(*) FILTER (WHERE id = ANY(${idsOf(later)}::uuid[]))::int AS later
          FROM page_visits
        `;
        // The lost batch never reached COMMIT; everything answered 200 is there.
        expect(count).to.deep.equal({ lost: 0, waiting: 2, later: 4 });
      });
    }
  });

  // On PGlite the service has one session, served by pglite-socket; a cut under a running
  // transaction can leave that session stuck (see docs/operations.md), so the load test
  // runs against a PostgreSQL server only. In production PGlite is reached over loopback in
  // the same process, where connections are not cut.
  (onServer ? describe : describe.skip)('losing the database while a load runs', () => {
    let service: ServiceBehindProxy;
    before(async () => {
      service = await startServiceBehindProxy({ cutBeforeStart: false });
      await eventually(async () => (await service.get('/readyz')).status === 200, 'ready at start');
    });
    after(() => service.close());

    it('answers 503 (never 500, never a 200 for an uncommitted batch) and recovers on its own', async () => {
      const acknowledged: ReturnType<typeof batch>[] = [];
      const statuses = new Map<number, number>();
      let phase: 'up' | 'down' | 'restored' = 'up';
      const okAfterRestore = { count: 0 };
      let running = true;

      const worker = async (n: number) => {
        while (running) {
          const body = batch();
          const response = await service.sync(`load-user-${n}`, body);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 200) {
            acknowledged.push(body);
            if (phase === 'restored') okAfterRestore.count++;
          } else {
            expect(response.status, JSON.stringify(response.body)).to.equal(503);
            expect(response.headers.get('retry-after')).to.match(/^\d+$/);
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      try {
        await eventually(async () => acknowledged.length >= 10, 'some batches stored before the cut');
        phase = 'down';
        service.proxy.cut();
        const unavailableBefore = statuses.get(503) ?? 0;
        await eventually(async () => (statuses.get(503) ?? 0) >= unavailableBefore + 8, '503s while the database is down');
        expect((await service.get('/readyz')).status).to.equal(503);

        service.proxy.restore();
        phase = 'restored';
        await eventually(async () => okAfterRestore.count >= 10, 'batches stored again after restore');
        expect((await service.get('/readyz')).status).to.equal(200);

        // Connections dropped under running transactions (a PostgreSQL restart, a failover).
        for (const how of ['close', 'abort'] as const) {
          service.proxy.resetConnections(how);
          const before = okAfterRestore.count;
          await eventually(async () => okAfterRestore.count >= before + 10, `batches stored after the connections were reset (${how})`);
        }
      } finally {
        running = false;
        await Promise.allSettled(workers);
      }
      await Promise.all(workers);
      expect([...statuses.keys()].sort()).to.deep.equal([200, 503]);

      // Every acknowledged batch is there, whole.
      const ids = acknowledged.flatMap((body) => body.pageVisits.map((visit) => visit.id));
      const aggregateIds = acknowledged.flatMap((body) => body.tabAggregates.map((aggregate) => aggregate.id));
      const [visits] = await service.sql<{ count: number }[]>`
        SELECT count(*)::int AS count FROM page_visits WHERE id = ANY(${ids}::uuid[])
      `;
      const [aggregates] = await service.sql<{ count: number }[]>`
        SELECT count(*)::int AS count FROM tab_aggregates WHERE id = ANY(${aggregateIds}::uuid[])
      `;
      expect(visits?.count).to.equal(ids.length);
      expect(aggregates?.count).to.equal(aggregateIds.length);
    });
  });
});
