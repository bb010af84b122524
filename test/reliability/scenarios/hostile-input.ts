import { deflateSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import type postgres from 'postgres';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { testDatabase } from '../../support/test-database.js';
import { pageVisit, tabAggregate } from '../../support/records.js';
import { contentOf, userSnapshot } from '../support/audit.js';
import { expectContractAnswer } from '../support/expectations.js';
import { count } from '../support/figures.js';
import { post, type Answer } from '../support/http-client.js';
import { applyMutation, mutation, type ForeignIds } from '../support/mutations.js';
import { propertyParameters } from '../support/seed.js';
import { Entries, jsonText, RawJson, type WireValue } from '../support/wire-json.js';
import { batchEntries, batchTemplate, materialise } from '../support/wire-records.js';

export interface HostileScale {
  /** Runs of each property. */
  runs: number;
}

let userSeq = 0;
const newUser = (tag: string) => `hostile-${tag}-${process.pid}-${++userSeq}-${Math.random().toString(36).slice(2, 8)}`;

function isPolluted(): boolean {
  const probe: Record<string, unknown> = {};
  return probe['polluted'] !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted');
}

/**
 * Hostile input against the real HTTP service: every answer is 200, 400, 413 or 415; a 400
 * names a record or is invalid_json; an accepted batch reads back exactly; a refused one
 * changes nothing.
 */
export function hostileInputSuite(scale: HostileScale): void {
  describe(`hostile input, property-based (${scale.runs} runs per property)`, function () {
    this.timeout(Math.max(120_000, scale.runs * 1_000));
    let app: TestApp;
    let sql: postgres.Sql;
    let foreign: ForeignIds;
    const foreignUser = newUser('foreign');

    const send = async (user: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> => {
      count('requestsSent');
      return post(app.url, await app.token(user), body, headers);
    };

    before(async function () {
      app = await startTestApp();
      sql = (await testDatabase()).database.sql;
      const visit = pageVisit();
      const aggregate = tabAggregate(visit.id);
      const answer = await send(foreignUser, JSON.stringify({ pageVisits: [visit], tabAggregates: [aggregate] }));
      expect(answer.status).to.equal(200);
      foreign = { pageVisit: visit.id, tabAggregate: aggregate.id };
    });

    after(async function () {
      await app?.close();
    });

    afterEach(function () {
      expect(isPolluted(), 'Object.prototype polluted').to.equal(false);
    });

    it('stores every valid batch exactly as canonicalised, and a resend changes nothing', async function () {
      await fc.assert(
        fc.asyncProperty(batchTemplate, async (template) => {
          count('casesTried');
          const user = newUser('valid');
          const batch = materialise(template);
          const text = jsonText(batchEntries(batch));
          const first = await send(user, text);
          expectContractAnswer(first, [200]);
          expect(first.json.pageVisits).to.deep.include({ received: batch.pageVisits.length, inserted: batch.expected.pageVisits.length });
          expect(first.json.tabAggregates).to.deep.include({ received: batch.tabAggregates.length, inserted: batch.expected.tabAggregates.length });
          const stored = await userSnapshot(sql, user);
          count('rowsAudited', stored.pageVisits.length + stored.tabAggregates.length);
          expect(contentOf(stored)).to.deep.equal(batch.expected);

          const again = await send(user, text);
          expectContractAnswer(again, [200]);
          expect(again.json.pageVisits.unchanged).to.equal(batch.expected.pageVisits.length);
          expect(again.json.tabAggregates.unchanged).to.equal(batch.expected.tabAggregates.length);
          expect(await userSnapshot(sql, user), 'a resend wrote nothing, not even updated_at').to.deep.equal(stored);
        }),
        propertyParameters(scale.runs),
      );
    });

    it('refuses a batch with one wrong value anywhere, names the record, and changes nothing', async function () {
      const foreignBefore = await userSnapshot(sql, foreignUser);
      await fc.assert(
        fc.asyncProperty(batchTemplate, batchTemplate, mutation, async (seedTemplate, template, m) => {
          count('casesTried');
          const user = newUser('mutated');
          // The user already has data that the refused batch would have updated.
          const seed = materialise(seedTemplate);
          expectContractAnswer(await send(user, jsonText(batchEntries(seed))), [200]);
          const before = await userSnapshot(sql, user);

          const batch = materialise(template);
          const pageVisits: Record<string, WireValue>[] = [...seed.pageVisits.slice(0, 1).map((r) => ({ ...r, title: r['title'] === 'changed' ? 'changed again' : 'changed' })), ...batch.pageVisits];
          const tabAggregates: Record<string, WireValue>[] = [...seed.tabAggregates.slice(0, 1).map((r) => ({ ...r, total_time_seconds: 2_147_483_647 })), ...batch.tabAggregates];
          if (pageVisits.length === 0) pageVisits.push(pageVisit());
          if (tabAggregates.length === 0) tabAggregates.push(tabAggregate(String(pageVisits[0]?.['id'])));
          const { body, expect: expected } = applyMutation({ pageVisits, tabAggregates }, m, foreign);

          const answer = await send(user, jsonText(body));
          expectContractAnswer(answer, [400]);
          expect(answer.json.code).to.equal('validation_failed');
          const named = (answer.json.failed_records as { type: string; index: number | null }[]).some(
            (f) => f.type === expected.type && (expected.indexes === null ? f.index === null : expected.indexes.includes(f.index as number)),
          );
          expect(named, `failed_records names ${expected.type}[${String(expected.indexes)}]: ${answer.text.slice(0, 500)}`).to.equal(true);
          expect(await userSnapshot(sql, user), 'a refused batch changes nothing').to.deep.equal(before);
          count('rowsAudited', before.pageVisits.length + before.tabAggregates.length);
        }),
        propertyParameters(scale.runs),
      );
      expect(await userSnapshot(sql, foreignUser), "another user's rows are untouched").to.deep.equal(foreignBefore);
    });

    it('answers arbitrary JSON values and record-shaped junk with 200 or 400, never 5xx', async function () {
      const fieldNames = fc.constantFrom(
        'id', 'url', 'title', 'visited_at', 'source_page_visit_id', 'page_visit_id', 'total_time_seconds',
        'active_time_seconds', 'scroll_depth_percent', 'closed_at', '__proto__', 'constructor', 'prototype',
      );
      const junkRecord = fc.array(fc.tuple(fieldNames, fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<WireValue>), { maxLength: 10 }).map((e) => new Entries(e));
      const body = fc.oneof(
        fc.jsonValue() as fc.Arbitrary<WireValue>,
        fc.jsonValue({ stringUnit: 'binary' }) as fc.Arbitrary<WireValue>,
        fc
          .record({ pageVisits: fc.array(junkRecord, { maxLength: 5 }), tabAggregates: fc.array(junkRecord, { maxLength: 5 }) })
          .map((r) => new Entries([['pageVisits', r.pageVisits], ['tabAggregates', r.tabAggregates], ['__proto__', new Entries([['polluted', true]])]])),
      );
      await fc.assert(
        fc.asyncProperty(body, async (value) => {
          count('casesTried');
          const user = newUser('junk');
          const answer = await send(user, jsonText(value));
          expectContractAnswer(answer, [200, 400]);
          if (answer.status === 400) expect(answer.json.code).to.equal('validation_failed');
          const stored = await userSnapshot(sql, user);
          const rows = stored.pageVisits.length + stored.tabAggregates.length;
          const inserted = answer.status === 200 ? answer.json.pageVisits.inserted + answer.json.tabAggregates.inserted : 0;
          expect(rows, 'rows stored = rows the answer reports inserted').to.equal(inserted);
        }),
        propertyParameters(scale.runs),
      );
    });

    it('answers random bytes, truncated bodies and odd headers with 200, 400, 413 or 415', async function () {
      const valid = fc.tuple(batchTemplate).map(([t]) => jsonText(batchEntries(materialise(t))));
      type Request = { body: string | Uint8Array; headers: Record<string, string>; statuses: number[]; truncated?: boolean };
      const request: fc.Arbitrary<Request> = fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ body: bytes, headers: {}, statuses: [200, 400] })),
        fc.tuple(valid, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })).map(([text, at]) => ({
          body: text.slice(0, Math.floor(text.length * at)),
          headers: {},
          statuses: [400],
          truncated: true,
        })),
        fc.tuple(valid, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([text, at, bytes]) => {
          const raw = Buffer.from(text);
          const position = at % (raw.length + 1);
          return { body: new Uint8Array(Buffer.concat([raw.subarray(0, position), bytes, raw.subarray(position)])), headers: {}, statuses: [200, 400] };
        }),
        fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ body: bytes, headers: { 'Content-Encoding': 'gzip' }, statuses: [400] })),
        valid.map((text) => ({ body: new Uint8Array(gzipSync(text)), headers: { 'Content-Encoding': 'gzip' }, statuses: [200] })),
        valid.map((text) => ({ body: new Uint8Array(deflateSync(text)), headers: { 'Content-Encoding': 'deflate' }, statuses: [200] })),
        fc
          .tuple(valid, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data', 'text/json', ''))
          .map(([text, type]) => ({ body: text, headers: { 'Content-Type': type }, statuses: [415] })),
        fc.tuple(valid, fc.constantFrom('br', 'compress', 'x-gzip, br', 'zstd')).map(([text, encoding]) => ({
          body: text,
          headers: { 'Content-Encoding': encoding },
          statuses: [415],
        })),
      );
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          count('casesTried');
          const user = newUser('bytes');
          const answer = await send(user, r.body, r.headers);
          expectContractAnswer(answer, r.statuses);
          if (r.truncated === true) expect(answer.json.code, 'a truncated body is not JSON').to.equal('invalid_json');
          if (answer.status !== 200) {
            const stored = await userSnapshot(sql, user);
            expect(stored.pageVisits.length + stored.tabAggregates.length).to.equal(0);
          }
        }),
        propertyParameters(scale.runs),
      );
    });

    it('survives deep nesting, huge numbers, oversized bodies and compression bombs', async function () {
      const limit = app.config.sync.maxBodyBytes;
      const visit = pageVisit();
      const cases: { name: string; body: string | Uint8Array; headers?: Record<string, string>; status: number[] }[] = [
        { name: 'nesting 100000 deep', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, status: [400, 413] },
        { name: 'object nesting 50000 deep in a record', body: `{"pageVisits":[{"x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}]}`, status: [400] },
        { name: 'unclosed nesting', body: '['.repeat(200_000), status: [400] },
        { name: 'huge exponent', body: '{"tabAggregates":[{"total_time_seconds":1e999999999}]}', status: [400] },
        { name: '1 MB number', body: `{"pageVisits":[${'9'.repeat(1_000_000)}]}`, status: [400] },
        { name: 'body over the byte limit', body: `{"pageVisits":[],"pad":"${'x'.repeat(limit)}"}`, status: [413] },
        { name: 'gzip bomb', body: new Uint8Array(gzipSync(`{"pad":"${' '.repeat(limit * 4)}"}`)), headers: { 'Content-Encoding': 'gzip' }, status: [413] },
        { name: 'too many records', body: JSON.stringify({ pageVisits: Array.from({ length: app.config.sync.maxRecordsPerType + 1 }, () => ({})) }), status: [413] },
        { name: 'duplicate keys, last one wins', body: `{"pageVisits":[{"id":"x","id":${JSON.stringify(visit.id)},"url":"u","url":${JSON.stringify(visit.url)},"title":"","visited_at":"2024-01-01T00:00:00Z"}]}`, status: [200] },
        { name: 'prototype pollution', body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"pageVisits":[{"__proto__":{"polluted":true}}]}', status: [400] },
        { name: 'BOM before JSON', body: `\ufeff{}`, status: [200, 400] },
        { name: 'NUL in JSON', body: '{"pageVisits":[]}\u0000', status: [400] },
        { name: 'lone surrogate escape in a key', body: '{"\\ud800":1,"pageVisits":[]}', status: [200] },
        { name: 'invalid UTF-8 bytes', body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), status: [200, 400] },
        { name: 'JSON with charset', body: '{}', headers: { 'Content-Type': 'application/json; charset=utf-8' }, status: [200] },
        { name: 'JSON with latin1 charset', body: '{}', headers: { 'Content-Type': 'application/json; charset=latin1' }, status: [200, 415] },
      ];
      for (const c of cases) {
        count('casesTried');
        const answer = await send(newUser('edge'), c.body, c.headers);
        expectContractAnswer(answer);
        expect(c.status, `${c.name}: ${answer.status} ${answer.text.slice(0, 200)}`).to.include(answer.status);
      }
      expect(isPolluted()).to.equal(false);
    });
  });
}

// Keeps RawJson in the public surface of this module's inputs (used by mutation values).
export type { RawJson };
