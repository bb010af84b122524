import { expect } from 'chai';
import { createLogger } from '../../src/adapters/logger.js';
import { Migrator } from '../../src/adapters/persistence/postgres/migrator.js';
import { SchemaReadiness } from '../../src/adapters/persistence/postgres/schema-readiness.js';
import { request } from '../support/http-request.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testDatabase } from '../support/test-database.js';
import { startUnreachableApp, type UnreachableApp } from '../support/unreachable-app.js';

describe('GET /healthz and /readyz', () => {
  describe('with a migrated database', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    it('/healthz → 200', async () => {
      const response = await request(`${app.url}/healthz`, { method: 'GET' });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ status: 'ok' });
    });

    it('/readyz → 200', async () => {
      const response = await request(`${app.url}/readyz`, { method: 'GET' });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.include({ status: 'ready' });
    });

    it('HEAD is answered too', async () => {
      expect((await request(`${app.url}/healthz`, { method: 'HEAD' })).status).to.equal(200);
      expect((await request(`${app.url}/readyz`, { method: 'HEAD' })).status).to.equal(200);
    });
  });

  describe('with an unreachable database', () => {
    let down: UnreachableApp;
    before(async () => {
      down = await startUnreachableApp();
    });
    after(() => down.close());

    it('/healthz → 200 while the process runs', async () => {
      expect((await request(`${down.url}/healthz`, { method: 'GET' })).status).to.equal(200);
    });

    it('/readyz → 503 with Retry-After, revealing nothing', async () => {
      const response = await request(`${down.url}/readyz`, { method: 'GET' });
      expect(response.status).to.equal(503);
      expect(response.headers.get('retry-after')).to.match(/^\d+$/);
      expect(response.text).not.to.match(/127\.0\.0\.1|ECONNREFUSED|hunter2|postgres:/);
      expect(response.body).to.include({ code: 'unavailable', requestId: response.headers.get('x-request-id') });
      expect(response.body.error).to.be.a('string').and.not.equal('');
    });
  });

  describe('schema readiness', () => {
    it('is not ready before its migrations ran, and ready after', async () => {
      const { sql } = (await testDatabase()).database;
      const readiness = new SchemaReadiness(sql, new Migrator(sql), createLogger('silent'));
      expect(await readiness.ready()).to.equal(false);
      await readiness.migrateUntilDone();
      expect(await readiness.ready()).to.equal(true);
    });
  });
});
