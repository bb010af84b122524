import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { pageVisit, tabAggregate } from '../../support/records.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { testDatabase } from '../../support/test-database.js';
import { userSnapshot } from '../support/audit.js';
import { expectContractAnswer } from '../support/expectations.js';
import { count } from '../support/figures.js';
import { post } from '../support/http-client.js';

export interface SlowClientScale {
  slowBodies: number;
  idleConnections: number;
  partialHeaders: number;
  /** Batches of other users sent while the slow clients hang on. */
  otherBatches: number;
}

/**
 * Slow and idle clients hold sockets, not the database: while many of them trickle bodies,
 * idle on keep-alive or never finish their headers, other users' batches are still stored.
 * The assertion is completion (within the test timeout), never a latency threshold.
 */
export function slowClientSuite(scale: SlowClientScale): void {
  describe(`slow and idle clients (${scale.slowBodies} slow bodies, ${scale.idleConnections} idle, ${scale.partialHeaders} partial headers)`, function () {
    this.timeout(120_000);
    let app: TestApp;
    const sockets: Socket[] = [];

    const open = async (): Promise<Socket> => {
      const { port, hostname } = new URL(app.url);
      const socket = connect({ port: Number(port), host: hostname });
      socket.on('error', () => {});
      sockets.push(socket);
      await once(socket, 'connect');
      return socket;
    };

    before(async function () {
      app = await startTestApp();
    });

    after(async function () {
      for (const socket of sockets) socket.destroy();
      await app?.close();
    });

    it("stores other users' batches while slow and idle clients hold connections", async function () {
      count('casesTried');
      let trickling = true;
      const slowBody = JSON.stringify({ pageVisits: [pageVisit()] });
      // Slow bodies: authenticated, headers complete, a byte every so often.
      for (let i = 0; i < scale.slowBodies; i++) {
        const socket = await open();
        const token = await app.token(`slow-${i}-${randomUUID()}`);
        socket.write(
          `POST /api/v1/data/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${slowBody.length}\r\n\r\n`,
        );
        void (async () => {
          for (let at = 0; trickling && at < slowBody.length - 1 && !socket.destroyed; at++) {
            socket.write(slowBody[at] as string);
            await sleep(200);
          }
        })();
      }
      // Idle keep-alive connections after one request, and connections that never finish their headers.
      for (let i = 0; i < scale.idleConnections; i++) {
        const socket = await open();
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      }
      for (let i = 0; i < scale.partialHeaders; i++) {
        const socket = await open();
        socket.write('POST /api/v1/data/sync HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      }
      count('faultsInjected', scale.slowBodies + scale.idleConnections + scale.partialHeaders);

      // Meanwhile other users sync, a few at a time.
      const sql = (await testDatabase()).database.sql;
      const users = Array.from({ length: scale.otherBatches }, (_, i) => `busy-${i}-${randomUUID()}`);
      const answers = await Promise.all(
        users.map(async (sub) => {
          const visit = pageVisit();
          count('requestsSent');
          return post(app.url, await app.token(sub), JSON.stringify({ pageVisits: [visit], tabAggregates: [tabAggregate(visit.id)] }));
        }),
      );
      answers.forEach((answer) => expectContractAnswer(answer, [200]));
      count('batchesAcknowledged', answers.length);
      for (const sub of users) {
        const stored = await userSnapshot(sql, sub);
        expect([stored.pageVisits.length, stored.tabAggregates.length]).to.deep.equal([1, 1]);
        count('rowsAudited', 2);
      }
      trickling = false;
    });

    it('still answers a slow client that finishes its body', async function () {
      count('casesTried');
      const socket = await open();
      const sub = `slow-finisher-${randomUUID()}`;
      const token = await app.token(sub);
      const body = JSON.stringify({ pageVisits: [pageVisit()] });
      let received = '';
      const answered = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString();
          const [head = '', rest] = received.split('\r\n\r\n', 2);
          const length = /content-length: (\d+)/i.exec(head)?.[1];
          if (rest !== undefined && length !== undefined && Buffer.byteLength(rest) >= Number(length)) resolve();
        });
      });
      socket.write(
        `POST /api/v1/data/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      );
      for (let at = 0; at < body.length; at += 10) {
        socket.write(body.slice(at, at + 10));
        await sleep(20);
      }
      await answered;
      expect(received.split('\r\n')[0]).to.equal('HTTP/1.1 200 OK');
      const stored = await userSnapshot((await testDatabase()).database.sql, sub);
      expect(stored.pageVisits.length).to.equal(1);
    });
  });
}
