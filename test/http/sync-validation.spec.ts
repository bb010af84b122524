import { expect } from 'chai';
import { deflateSync, gzipSync } from 'node:zlib';
import { pageVisit, tabAggregate } from '../support/records.js';
import { request } from '../support/http-request.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Media type, size, JSON syntax and record validation of the sync endpoint (checks 3 to 6). */
describe('POST /api/v1/data/sync: what a request body must be', () => {
  let app: TestApp;
  let small: TestApp;
  let syncUrl: string;
  let auth: string;

  before(async () => {
    app = await startTestApp();
    small = await startTestApp({ env: { SYNC_MAX_BODY_BYTES: '2048', SYNC_MAX_RECORDS: '3' } });
    syncUrl = `${app.url}/api/v1/data/sync`;
    auth = `Bearer ${await app.token('validator')}`;
  });
  after(async () => {
    await app.close();
    await small.close();
  });

  const post = (body: string | Uint8Array, headers: Record<string, string> = {}, url = syncUrl) =>
    request(url, { body, headers: { Authorization: auth, 'Content-Type': 'application/json', ...headers } });

  function expectError(response: { status: number; body: any; headers: Headers }, status: number, code: string) {
    expect(response.status, JSON.stringify(response.body)).to.equal(status);
    expect(response.body).to.have.keys('error', 'code', 'requestId');
    expect(response.body.code).to.equal(code);
    expect(response.body.error).to.be.a('string').and.not.equal('');
    expect(response.body.requestId).to.equal(response.headers.get('x-request-id'));
  }

  describe('400 invalid_json', () => {
    for (const [label, body] of [
      ['a syntax error', '{"pageVisits": [,]}'],
      ['an empty body', ''],
      ['a body of spaces', '   \n'],
      ['a truncated body', JSON.stringify({ pageVisits: [pageVisit()] }).slice(0, 40)],
      ['a trailing comma', '{"pageVisits": [],}'],
      ['two JSON values', '{} {}'],
    ] as const) {
      it(`for ${label}`, async () => {
        expectError(await post(body), 400, 'invalid_json');
      });
    }

    it('for a corrupt gzip body', async () => {
      const gzip = gzipSync(JSON.stringify({ pageVisits: [pageVisit()] }));
      const corrupt = Buffer.from(gzip);
      corrupt.fill(0x55, 10, 30);
      expectError(await post(corrupt, { 'Content-Encoding': 'gzip' }), 400, 'invalid_json');
    });

    it('for a body that claims gzip but is plain JSON', async () => {
      expectError(await post('{"pageVisits": []}', { 'Content-Encoding': 'gzip' }), 400, 'invalid_json');
    });
  });

  describe('400 validation_failed', () => {
    it('names every failed record with type, index, id, field, code and a message', async () => {
      const bad = pageVisit({ url: 'not a uri' });
      const response = await app.sync('validator', {
        pageVisits: [pageVisit(), bad],
        tabAggregates: [tabAggregate(bad.id, { total_time_seconds: '5' })],
      });
      expect(response.status).to.equal(400);
      expect(response.body).to.deep.equal({
        error: 'Validation failed for one or more records',
        code: 'validation_failed',
        requestId: response.headers.get('x-request-id'),
        failed_records: [
          { type: 'pageVisit', index: 1, id: bad.id, field: 'url', code: 'invalid_format', error: response.body.failed_records[0].error },
          {
            type: 'tabAggregate',
            index: 0,
            id: response.body.failed_records[1].id,
            field: 'total_time_seconds',
            code: 'invalid_type',
            error: response.body.failed_records[1].error,
          },
        ],
      });
      expect(response.body.failed_records[0].error).to.match(/url.*absolute URI/);
      expect(response.body.failed_records[1].error).to.match(/total_time_seconds.*integer/);
    });

    for (const [label, body] of [
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"batch"'],
      ['a number', '42'],
    ] as const) {
      it(`for a body that is ${label}: a batch failure with index null`, async () => {
        const response = await post(body);
        expect(response.status).to.equal(400);
        expect(response.body.code).to.equal('validation_failed');
        expect(response.body.failed_records).to.deep.equal([
          { type: 'batch', index: null, id: null, field: null, code: 'invalid_type', error: 'the body must be a JSON object' },
        ]);
      });
    }

    it('for records that are not objects, in either array (never a 500)', async () => {
      const response = await post(JSON.stringify({ pageVisits: [null, 5], tabAggregates: [null, [], 'x', true] }));
      expect(response.status).to.equal(400);
      expect(response.body.failed_records.map((f: any) => [f.type, f.index, f.id, f.field, f.code])).to.deep.equal([
        ['pageVisit', 0, null, null, 'invalid_type'],
        ['pageVisit', 1, null, null, 'invalid_type'],
        ['tabAggregate', 0, null, null, 'invalid_type'],
        ['tabAggregate', 1, null, null, 'invalid_type'],
        ['tabAggregate', 2, null, null, 'invalid_type'],
        ['tabAggregate', 3, null, null, 'invalid_type'],
      ]);
    });

    it('for arrays that are not arrays', async () => {
      const response = await post(JSON.stringify({ pageVisits: 'x', tabAggregates: { 0: {} } }));
      expect(response.status).to.equal(400);
      expect(response.body.failed_records.map((f: any) => [f.type, f.index, f.field, f.code])).to.deep.equal([
        ['batch', null, 'pageVisits', 'invalid_type'],
        ['batch', null, 'tabAggregates', 'invalid_type'],
      ]);
    });

    it('for strings the database could not store (NUL, lone surrogates): 400, never 500', async () => {
      const response = await post(
        `{"pageVisits": [${JSON.stringify(pageVisit({ title: 'x' })).replace('"x"', '"a\\u0000b"')}, ${JSON.stringify(pageVisit({ title: 'y' })).replace('"y"', '"\\ud800"')}]}`,
      );
      expect(response.status).to.equal(400);
      expect(response.body.failed_records.map((f: any) => [f.index, f.field, f.code])).to.deep.equal([
        [0, 'title', 'invalid_value'],
        [1, 'title', 'invalid_value'],
      ]);
    });

    it('ignores __proto__ keys instead of applying them', async () => {
      const response = await post(`{"__proto__": {"pageVisits": "x"}, "pageVisits": [${JSON.stringify(pageVisit())}]}`);
      expect(response.status).to.equal(200);
      expect(response.body.pageVisits).to.include({ received: 1, inserted: 1 });
    });

    it('ignores unknown properties of records and of the batch', async () => {
      const response = await app.sync('validator', { pageVisits: [pageVisit({ favicon: 'data:x' })], meta: { version: 3 } });
      expect(response.status).to.equal(200);
    });
  });

  describe('media type and encoding', () => {
    it('accepts an empty batch', async () => {
      const response = await post('{}');
      expect(response.status).to.equal(200);
      expect(response.body.pageVisits).to.deep.equal({ received: 0, inserted: 0, updated: 0, unchanged: 0 });
    });

    it('accepts charset=utf-8 and keeps non-ASCII text', async () => {
      const visit = pageVisit({ title: 'Grüße \u{1F600} 日本' });
      const response = await post(JSON.stringify({ pageVisits: [visit] }), { 'Content-Type': 'application/json; charset=utf-8' });
      expect(response.status).to.equal(200);
    });

    it('accepts gzip, deflate and identity bodies', async () => {
      const body = () => JSON.stringify({ pageVisits: [pageVisit()] });
      for (const [encoding, bytes] of [
        ['gzip', gzipSync(body())],
        ['deflate', deflateSync(body())],
        ['identity', Buffer.from(body())],
        ['GZIP', gzipSync(body())],
      ] as const) {
        const response = await post(bytes, { 'Content-Encoding': encoding });
        expect(response.status, `${encoding}: ${response.text}`).to.equal(200);
        expect(response.body.pageVisits.inserted, encoding).to.equal(1);
      }
    });

    for (const [label, headers] of [
      ['text/plain', { 'Content-Type': 'text/plain' }],
      ['application/x-www-form-urlencoded', { 'Content-Type': 'application/x-www-form-urlencoded' }],
      ['a JSON-looking type', { 'Content-Type': 'application/jsonp' }],
      ['Content-Encoding br', { 'Content-Encoding': 'br' }],
      ['Content-Encoding compress', { 'Content-Encoding': 'compress' }],
    ] as const) {
      it(`refuses ${label} with 415`, async () => {
        expectError(await post('{}', headers), 415, 'unsupported_media_type');
      });
    }

    it('refuses a body without Content-Type with 415', async () => {
      const response = await request(syncUrl, { headers: { Authorization: auth }, body: Buffer.from('{}') });
      expectError(response, 415, 'unsupported_media_type');
    });
  });

  describe('413', () => {
    const smallUrl = () => `${small.url}/api/v1/data/sync`;
    const postSmall = async (body: string | Uint8Array, headers: Record<string, string> = {}) =>
      post(body, { Authorization: `Bearer ${await small.token('validator')}`, ...headers }, smallUrl());

    it('payload_too_large for a body over the byte limit', async () => {
      const visits = Array.from({ length: 2 }, () => pageVisit({ title: 't'.repeat(1500) }));
      expectError(await postSmall(JSON.stringify({ pageVisits: visits })), 413, 'payload_too_large');
    });

    it('payload_too_large for a small gzip body that inflates past the limit', async () => {
      const json = JSON.stringify({ pageVisits: [pageVisit({ title: 'a'.repeat(100_000) })] });
      const compressed = gzipSync(json);
      expect(compressed.length).to.be.below(2048);
      expectError(await postSmall(compressed, { 'Content-Encoding': 'gzip' }), 413, 'payload_too_large');
    });

    it('accepts a gzip body whose compressed size is small and inflated size within the limit', async () => {
      const compressed = gzipSync(JSON.stringify({ pageVisits: [pageVisit()] }));
      expect((await postSmall(compressed, { 'Content-Encoding': 'gzip' })).status).to.equal(200);
    });

    it('checks the media type before the size, and the size before the syntax', async () => {
      const big = `{"pageVisits": [${'x'.repeat(5000)}`;
      expectError(await postSmall(big, { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type');
      expectError(await postSmall(big), 413, 'payload_too_large');
    });

    it('too_many_records for either array over the record limit', async () => {
      const four = Array.from({ length: 4 }, () => pageVisit({ title: '', url: 'a:' }));
      expectError(await postSmall(JSON.stringify({ pageVisits: four })), 413, 'too_many_records');
      expectError(await postSmall(JSON.stringify({ tabAggregates: [{}, {}, {}, {}] })), 413, 'too_many_records');
      const three = four.slice(0, 3);
      expect((await postSmall(JSON.stringify({ pageVisits: three }))).status).to.equal(200);
    });
  });
});
