import { expect } from 'chai';
import { secretKey } from '../../src/adapters/auth/verification-key.js';
import { JwtVerifier } from '../../src/adapters/auth/jwt-verifier.js';
import { signToken } from '../../src/adapters/auth/token-signer.js';
import { createHttpApp } from '../../src/adapters/http/http-app.js';
import { listen, type RunningServer } from '../../src/adapters/http/http-server.js';
import { createLogger } from '../../src/adapters/logger.js';
import { ServiceError } from '../../src/application/errors.js';
import type { UnitOfWork } from '../../src/application/ports.js';
import { SyncBatch } from '../../src/application/sync-batch.js';
import { pageVisit } from '../support/records.js';
import { request } from '../support/http-request.js';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.js';
import { startUnreachableApp, type UnreachableApp } from '../support/unreachable-app.js';

const SECRET_LOOKING = 'SELECT password FROM users WHERE 1=1 -- /home/app/src/secret.ts:42 postgres://admin:hunter2@db';

/** An app whose storage fails with `error`, wired like the real one otherwise. */
async function appFailingWith(error: () => unknown): Promise<{ server: RunningServer; token: () => Promise<string> }> {
  const failing: UnitOfWork = { run: () => Promise.reject(error()) };
  const app = createHttpApp({
    syncBatch: new SyncBatch(failing, { now: () => new Date() }, { maxRecordsPerType: 1000 }),
    verifier: new JwtVerifier(await secretKey(TEST_SECRET), { issuer: undefined, audience: undefined, clockToleranceSeconds: 0 }),
    readiness: { ready: async () => true },
    logger: createLogger('silent'),
    maxBodyBytes: 1024 * 1024,
    corsOrigins: undefined,
  });
  const server = await listen(app, '127.0.0.1', 0);
  return { server, token: () => signToken(TEST_SECRET, { sub: 'alice', ttlSeconds: 60 }) };
}

function expectNothingRevealed(text: string) {
  for (const leak of ['SELECT', 'password', 'hunter2', '/home', 'secret.ts', 'postgres://', ' at ', 'stack', 'Error:']) {
    expect(text, `response reveals "${leak}"`).not.to.include(leak);
  }
}

describe('HTTP errors and request ids', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  describe('404 and 405', () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['POST', '/api/v1/data'],
      ['POST', '/api/v1/data/sync/extra'],
      ['GET', '/api/v2/data/sync'],
      ['DELETE', '/nothing'],
    ] as const) {
      it(`${method} ${path} → 404 not_found`, async () => {
        const response = await request(`${app.url}${path}`, { method });
        expect(response.status).to.equal(404);
        expect(response.body).to.deep.equal({ error: response.body.error, code: 'not_found', requestId: response.headers.get('x-request-id') });
        expect(response.body.error).to.be.a('string').and.not.equal('');
      });
    }

    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      it(`${method} on the sync path → 405 with Allow: POST, OPTIONS`, async () => {
        const response = await request(`${app.url}/api/v1/data/sync`, { method });
        expect(response.status).to.equal(405);
        expect(response.headers.get('allow')).to.equal('POST, OPTIONS');
        expect(response.body).to.deep.equal({
          error: response.body.error,
          code: 'method_not_allowed',
          requestId: response.headers.get('x-request-id'),
        });
      });
    }

    it('POST on /healthz → 405 with Allow: GET, HEAD', async () => {
      const response = await request(`${app.url}/healthz`, { method: 'POST' });
      expect(response.status).to.equal(405);
      expect(response.headers.get('allow')).to.equal('GET, HEAD');
      expect(response.body.code).to.equal('method_not_allowed');
    });
  });

  describe('X-Request-Id', () => {
    it('is on every response: 200, 400, 401, 404, 405, 415, OPTIONS, health', async () => {
      const token = await app.token('ids');
      const responses = [
        await request(`${app.url}/api/v1/data/sync`, { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' }),
        await request(`${app.url}/api/v1/data/sync`, { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{' }),
        await request(`${app.url}/api/v1/data/sync`, { body: '{}' }),
        await request(`${app.url}/nope`),
        await request(`${app.url}/api/v1/data/sync`, { method: 'GET' }),
        await request(`${app.url}/api/v1/data/sync`, { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' }, body: '{}' }),
        await request(`${app.url}/api/v1/data/sync`, { method: 'OPTIONS' }),
        await request(`${app.url}/healthz`, { method: 'GET' }),
        await request(`${app.url}/readyz`, { method: 'GET' }),
      ];
      expect(responses.map((r) => r.status)).to.deep.equal([200, 400, 401, 404, 405, 415, 204, 200, 200]);
      const ids = responses.map((r) => r.headers.get('x-request-id'));
      for (const id of ids) expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(new Set(ids).size).to.equal(ids.length);
      for (const response of responses.slice(1, 6)) expect(response.body.requestId).to.equal(response.headers.get('x-request-id'));
    });

    it('reuses a sane incoming id, in the header and in error bodies', async () => {
      const id = 'ext-1234.abc:DEF_9';
      const ok = await app.sync('ids', {}, { 'X-Request-Id': id });
      expect(ok.headers.get('x-request-id')).to.equal(id);
      expect(ok.body.requestId).to.equal(id);
      const refused = await app.sync('ids', { pageVisits: [pageVisit({ url: 'x' })] }, { 'X-Request-Id': id });
      expect(refused.body.requestId).to.equal(id);
      const missing = await request(`${app.url}/nope`, { headers: { 'X-Request-Id': id } });
      expect(missing.body.requestId).to.equal(id);
    });

    for (const [label, id] of [
      ['too long', 'a'.repeat(129)],
      ['with spaces', 'has spaces in it'],
      ['with quotes and braces', '"}{"x":1'],
      ['with non-ASCII-safe characters', 'id;drop=1'],
    ] as const) {
      it(`replaces an incoming id ${label}`, async () => {
        const response = await app.sync('ids', {}, { 'X-Request-Id': id });
        const sent = response.headers.get('x-request-id');
        expect(sent).to.not.equal(id);
        expect(sent).to.match(/^[0-9a-f-]{36}$/);
        expect(response.body.requestId).to.equal(sent);
      });
    }
  });

  describe('500 internal_error', () => {
    for (const [label, make] of [
      ['a plain Error', () => new Error(SECRET_LOOKING)],
      ['a storage_failure', () => new ServiceError('storage_failure', SECRET_LOOKING, { cause: new Error(SECRET_LOOKING) })],
      ['a thrown string', () => SECRET_LOOKING],
      ['an error with a status', () => Object.assign(new Error(SECRET_LOOKING), { status: 500, expose: true })],
    ] as const) {
      it(`${label} from storage → 500 whose body reveals nothing`, async () => {
        const failing = await appFailingWith(make);
        try {
          const response = await request(`${failing.server.url}/api/v1/data/sync`, {
            headers: { Authorization: `Bearer ${await failing.token()}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ pageVisits: [pageVisit()] }),
          });
          expect(response.status).to.equal(500);
          expect(response.body).to.deep.equal({
            error: response.body.error,
            code: 'internal_error',
            requestId: response.headers.get('x-request-id'),
          });
          expectNothingRevealed(response.text);
        } finally {
          await failing.server.close(1000);
        }
      });
    }

    it('storage contention that outlived the retries → 503 with Retry-After, revealing nothing', async () => {
      const failing = await appFailingWith(() => new ServiceError('storage_contention', SECRET_LOOKING));
      try {
        const response = await request(`${failing.server.url}/api/v1/data/sync`, {
          headers: { Authorization: `Bearer ${await failing.token()}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ pageVisits: [pageVisit()] }),
        });
        expect(response.status).to.equal(503);
        expect(response.headers.get('retry-after')).to.match(/^\d+$/);
        expect(response.body.code).to.equal('unavailable');
        expectNothingRevealed(response.text);
      } finally {
        await failing.server.close(1000);
      }
    });
  });

  describe('503 unavailable when the database is unreachable', () => {
    let down: UnreachableApp;
    before(async () => {
      down = await startUnreachableApp();
    });
    after(() => down.close());

    const post = async (body: string) =>
      request(`${down.url}/api/v1/data/sync`, {
        headers: { Authorization: `Bearer ${await down.token('alice')}`, 'Content-Type': 'application/json' },
        body,
      });

    it('POST → 503 with Retry-After and a body that reveals nothing', async () => {
      const response = await post(JSON.stringify({ pageVisits: [pageVisit()] }));
      expect(response.status).to.equal(503);
      expect(response.headers.get('retry-after')).to.match(/^\d+$/);
      expect(response.body).to.deep.equal({ error: response.body.error, code: 'unavailable', requestId: response.headers.get('x-request-id') });
      expectNothingRevealed(response.text);
      expect(response.text).not.to.include('127.0.0.1');
      expect(response.text).not.to.include('ECONNREFUSED');
    });

    it('an empty batch still answers 200: nothing needs storing', async () => {
      expect((await post('{}')).status).to.equal(200);
    });

    it('a refused batch is still a 400: validation comes before storage', async () => {
      const response = await post(JSON.stringify({ pageVisits: [pageVisit({ url: 'nope' })] }));
      expect(response.status).to.equal(400);
      expect(response.body.code).to.equal('validation_failed');
    });
  });
});
