import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { pageVisit, tabAggregate } from '../support/records.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// ajv-formats is CommonJS: under ESM its plugin is the `default` of the imported module.
const addFormats = addFormatsModule.default;

/** An independent validator: ajv (draft 2020-12) with the standard formats, strict about the schema. */
function validatorFor(schema: object) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('published contract: OpenAPI document and JSON Schemas', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ persistence: 'memory', env: { SYNC_MAX_RECORDS: '250' } });
  });
  after(() => app.close());

  async function getJson(path: string): Promise<{ status: number; type: string | null; body: any }> {
    const response = await fetch(`${app.url}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  }

  describe('GET /api/v1/schemas/page-visit.json', () => {
    it('is a draft 2020-12 JSON Schema served without authentication', async () => {
      const { status, type, body } = await getJson('/api/v1/schemas/page-visit.json');
      expect(status).to.equal(200);
      expect(type).to.match(/^application\/schema\+json/);
      expect(body.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    });

    it('accepts valid pageVisits, as the service does', async () => {
      const check = validatorFor((await getJson('/api/v1/schemas/page-visit.json')).body);
      const samples = [
        pageVisit(),
        pageVisit({ id: pageVisit().id.toUpperCase(), title: '', visited_at: '2024-05-01T12:00:00.123456+02:00' }),
        pageVisit({ source_page_visit_id: pageVisit().id, extra_field_from_newer_extension: 1 }),
        (({ source_page_visit_id: _omitted, ...rest }) => rest)(pageVisit()),
        pageVisit({ url: `https://example.com/${'a'.repeat(8000)}`, title: '😀'.repeat(4096) }),
      ];
      for (const sample of samples) {
        expect(check(sample), JSON.stringify(check.errors)).to.equal(true);
        expect((await app.sync('schema-user', { pageVisits: [sample] })).status).to.equal(200);
      }
    });

    it('refuses invalid pageVisits, as the service does', async () => {
      const check = validatorFor((await getJson('/api/v1/schemas/page-visit.json')).body);
      const samples = [
        pageVisit({ id: 'not-a-uuid' }),
        pageVisit({ id: 42 }),
        pageVisit({ url: 'no-scheme' }),
        pageVisit({ url: `https://example.com/${'a'.repeat(8192)}` }),
        pageVisit({ title: 't'.repeat(4097) }),
        pageVisit({ title: null }),
        pageVisit({ visited_at: '2024-05-01 10:00' }),
        pageVisit({ visited_at: '2024-05-01T10:00:00' }),
        pageVisit({ source_page_visit_id: 'nope' }),
        (({ url: _omitted, ...rest }) => rest)(pageVisit()),
        'a string',
      ];
      for (const sample of samples) {
        expect(check(sample), JSON.stringify(sample).slice(0, 80)).to.equal(false);
        expect((await app.sync('schema-user', { pageVisits: [sample] })).status).to.equal(400);
      }
    });
  });

  describe('GET /api/v1/schemas/tab-aggregate.json', () => {
    it('accepts valid tabAggregates and refuses invalid ones, as the service does', async () => {
      const { status, body } = await getJson('/api/v1/schemas/tab-aggregate.json');
      expect(status).to.equal(200);
      const check = validatorFor(body);
      const visit = pageVisit();
      expect((await app.sync('schema-user', { pageVisits: [visit] })).status).to.equal(200);
      const valid = [
        tabAggregate(visit.id),
        tabAggregate(visit.id, { scroll_depth_percent: null, total_time_seconds: 2147483647, active_time_seconds: 0 }),
        (({ scroll_depth_percent: _omitted, ...rest }) => rest)(tabAggregate(visit.id)),
      ];
      for (const sample of valid) {
        expect(check(sample), JSON.stringify(check.errors)).to.equal(true);
        expect((await app.sync('schema-user', { tabAggregates: [sample] })).status).to.equal(200);
      }
      const invalid = [
        tabAggregate(visit.id, { total_time_seconds: '5' }),
        tabAggregate(visit.id, { total_time_seconds: 5.5 }),
        tabAggregate(visit.id, { active_time_seconds: -1 }),
        tabAggregate(visit.id, { total_time_seconds: 2147483648 }),
        tabAggregate(visit.id, { scroll_depth_percent: 101 }),
        tabAggregate(visit.id, { closed_at: 'yesterday' }),
        tabAggregate('not-a-uuid'),
        (({ closed_at: _omitted, ...rest }) => rest)(tabAggregate(visit.id)),
      ];
      for (const sample of invalid) {
        expect(check(sample), JSON.stringify(sample)).to.equal(false);
        expect((await app.sync('schema-user', { tabAggregates: [sample] })).status).to.equal(400);
      }
    });
  });

  describe('GET /api/v1/openapi.json', () => {
    it('passes an OpenAPI validator', async () => {
      const { status, body } = await getJson('/api/v1/openapi.json');
      expect(status).to.equal(200);
      expect(body.openapi).to.match(/^3\.1\./);
      const result = await validate(structuredClone(body));
      expect(result.valid, result.valid ? '' : compileErrors(result)).to.equal(true);
    });

    it('describes every answer of the sync route and every error code of the contract', async () => {
      const { body } = await getJson('/api/v1/openapi.json');
      const responses = body.paths['/api/v1/data/sync'].post.responses;
      expect(Object.keys(responses)).to.include.members(['200', '400', '401', '405', '413', '415', '429', '500', '503']);
      expect(body.components.schemas.Error.properties.code.enum).to.have.members([
        'unauthorized', 'invalid_json', 'validation_failed', 'not_found', 'method_not_allowed', 'payload_too_large',
        'too_many_records', 'unsupported_media_type', 'rate_limited', 'unavailable', 'internal_error',
      ]);
      expect(body.components.schemas.FailedRecord.properties.code.enum).to.have.members([
        'required', 'invalid_type', 'invalid_format', 'out_of_range', 'too_long', 'invalid_value',
        'unknown_page_visit', 'id_conflict', 'immutable_field',
      ]);
      expect(Object.keys(responses['429'].headers)).to.include('Retry-After');
      expect(Object.keys(responses['503'].headers)).to.include('Retry-After');
      expect(body.components.schemas.SyncRequest.properties.pageVisits.maxItems).to.equal(250);
    });

    it('embeds the same record schemas it publishes, and real answers match its response schemas', async () => {
      const openapi = (await getJson('/api/v1/openapi.json')).body;
      const published = (await getJson('/api/v1/schemas/page-visit.json')).body;
      const { $schema: _dialect, ...withoutDialect } = published;
      expect(openapi.components.schemas.PageVisit).to.deep.equal(withoutDialect);

      const ajv = new Ajv2020({ allErrors: true, strict: false });
      addFormats(ajv);
      ajv.addSchema({ $id: 'openapi.json', components: openapi.components });
      const ok = await app.sync('schema-user', { pageVisits: [pageVisit()] });
      expect(ajv.validate({ $ref: 'openapi.json#/components/schemas/SyncResponse' }, ok.body), ajv.errorsText()).to.equal(true);
      const rejected = await app.sync('schema-user', { pageVisits: [pageVisit({ url: 'x' })] });
      expect(ajv.validate({ $ref: 'openapi.json#/components/schemas/ValidationError' }, rejected.body), ajv.errorsText()).to.equal(true);
      const unauthorized = await fetch(`${app.url}/api/v1/data/sync`, { method: 'POST' });
      expect(ajv.validate({ $ref: 'openapi.json#/components/schemas/Error' }, await unauthorized.json()), ajv.errorsText()).to.equal(true);
    });
  });
});
