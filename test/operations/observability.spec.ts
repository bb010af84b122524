import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { pageVisit, tabAggregate } from '../support/records.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, raw };
}

function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? '';
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('observability: /metrics and request logs', () => {
  describe('metrics', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ persistence: 'postgres' });
    });
    after(() => app.close());

    it('counts requests, records by outcome and rejections by code after a few batches', async () => {
      const visit = pageVisit();
      const aggregate = tabAggregate(visit.id);
      expect((await app.sync('metrics-user', { pageVisits: [visit], tabAggregates: [aggregate] })).status).to.equal(200);
      expect((await app.sync('metrics-user', { pageVisits: [visit, { ...pageVisit(), title: 'changed' }] })).status).to.equal(200);
      expect((await app.sync('metrics-user', { pageVisits: [{ ...visit, title: 'new title' }] })).status).to.equal(200);
      const bad = await app.sync('metrics-user', { pageVisits: [pageVisit({ url: 'no-scheme' }), pageVisit({ id: 'x', visited_at: 'soon' })] });
      expect(bad.status).to.equal(400);

      const response = await fetch(`${app.url}/metrics`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain/);
      const text = await response.text();
      const sync = { route: '/api/v1/data/sync', method: 'POST' };
      expect(metricValue(text, 'http_requests_total', { ...sync, status: '200' })).to.equal(3);
      expect(metricValue(text, 'http_requests_total', { ...sync, status: '400' })).to.equal(1);
      expect(metricValue(text, 'http_request_duration_seconds_count', { ...sync, status: '200' })).to.equal(3);
      expect(metricValue(text, 'sync_records_total', { type: 'pageVisit', outcome: 'inserted' })).to.equal(2);
      expect(metricValue(text, 'sync_records_total', { type: 'pageVisit', outcome: 'unchanged' })).to.equal(1);
      expect(metricValue(text, 'sync_records_total', { type: 'pageVisit', outcome: 'updated' })).to.equal(1);
      expect(metricValue(text, 'sync_records_total', { type: 'tabAggregate', outcome: 'inserted' })).to.equal(1);
      expect(metricValue(text, 'sync_records_total', { type: 'pageVisit', outcome: 'rejected' })).to.equal(2);
      expect(metricValue(text, 'sync_rejected_records_total', { code: 'invalid_format' })).to.be.at.least(2);
      expect(metricValue(text, 'db_transactions_in_flight')).to.equal(0);
      expect(metricValue(text, 'db_pool_max_connections')).to.be.greaterThan(0);
      expect(metricValue(text, 'db_pool_connections_in_use')).to.equal(0);
      expect(metricValue(text, 'db_pool_waiting')).to.equal(0);
      expect(text).to.include('db_transaction_retries_total');
      expect(metricValue(text, 'capture_dropped_lines')).to.equal(0);
      expect(metricValue(text, 'process_cpu_user_seconds_total')).to.be.a('number');
      expect(metricValue(text, 'nodejs_eventloop_lag_seconds')).to.be.a('number');
    });

    it('labels unknown paths as unmatched, never with the raw path', async () => {
      await fetch(`${app.url}/some/private/path?u=https://secret.example`);
      const text = await (await fetch(`${app.url}/metrics`)).text();
      expect(metricValue(text, 'http_requests_total', { route: 'unmatched', status: '404' })).to.be.at.least(1);
      expect(text).not.to.include('secret.example');
      expect(text).not.to.include('/some/private/path');
    });
  });

  describe('METRICS_TOKEN', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ persistence: 'memory', env: { METRICS_TOKEN: 'scrape-token-0123456789' } });
    });
    after(() => app.close());

    it('refuses a scrape without the token or with a wrong one', async () => {
      const attempts: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong-token' }, { Authorization: 'scrape-token-0123456789' }];
      for (const headers of attempts) {
        const response = await fetch(`${app.url}/metrics`, { headers });
        expect(response.status).to.equal(401);
        expect(response.headers.get('www-authenticate')).to.match(/^Bearer/);
        const body = (await response.json()) as any;
        expect(body.code).to.equal('unauthorized');
      }
    });

    it('answers a scrape with the token', async () => {
      const response = await fetch(`${app.url}/metrics`, { headers: { Authorization: 'Bearer scrape-token-0123456789' } });
      expect(response.status).to.equal(200);
      expect(await response.text()).to.include('http_requests_total');
    });
  });

  describe('request log lines', () => {
    it('writes one line per request with id, user, route, status, duration and counts, and nothing private', async () => {
      const { logger, lines, raw } = capturingLogger();
      const app = await startTestApp({ persistence: 'memory', logger });
      try {
        const secretUrl = 'https://private.example/diary?q=very-secret';
        const visit = pageVisit({ url: secretUrl, title: 'My secret title' });
        const token = await app.token('log-user');
        const ok = await app.sync('log-user', { pageVisits: [visit] }, { 'X-Request-Id': 'req-ok-1' });
        expect(ok.status).to.equal(200);
        const bad = await app.sync('log-user', { pageVisits: [pageVisit({ url: 'x', title: 'Another secret title' })] }, { 'X-Request-Id': 'req-bad-1' });
        expect(bad.status).to.equal(400);
        const unauthorized = await fetch(`${app.url}/api/v1/data/sync`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}x`, 'Content-Type': 'application/json', 'X-Request-Id': 'req-401' },
          body: '{}',
        });
        expect(unauthorized.status).to.equal(401);

        const requestLines = lines.filter((line) => line['msg'] === 'request');
        const okLine = requestLines.find((line) => line['requestId'] === 'req-ok-1');
        expect(okLine).to.include({ userId: 'log-user', route: '/api/v1/data/sync', method: 'POST', status: 200 });
        expect(okLine?.['durationMs']).to.be.a('number');
        expect(okLine?.['pageVisits']).to.deep.equal({ received: 1, inserted: 1, updated: 0, unchanged: 0 });
        const badLine = requestLines.find((line) => line['requestId'] === 'req-bad-1');
        expect(badLine).to.include({ status: 400, rejectedRecords: 1 });
        expect(badLine?.['rejectedCodes']).to.deep.equal({ invalid_format: 1 });
        const deniedLine = requestLines.find((line) => line['requestId'] === 'req-401');
        expect(deniedLine).to.include({ status: 401, code: 'unauthorized' });
        expect(requestLines.filter((line) => line['requestId'] === 'req-ok-1')).to.have.length(1);

        const everything = raw.join('\n');
        for (const secret of ['private.example', 'very-secret', 'My secret title', 'Another secret title', token]) {
          expect(everything).not.to.include(secret);
        }
      } finally {
        await app.close();
      }
    });
  });
});
