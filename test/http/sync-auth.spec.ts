import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pageVisit } from '../support/records.js';
import { nowSeconds, request, signClaims, unsecuredToken } from '../support/http-request.js';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.js';
import { testDatabase } from '../support/test-database.js';

const REALM = 'Bearer realm="browsing-sync"';
const INVALID = 'Bearer realm="browsing-sync", error="invalid_token"';

/** Bearer JWT verification as the contract states it (check 2: before the body is read). */
describe('POST /api/v1/data/sync: authentication', () => {
  let app: TestApp;
  let syncUrl: string;

  before(async () => {
    app = await startTestApp({ env: { JWT_CLOCK_TOLERANCE_S: '30' } });
    syncUrl = `${app.url}/api/v1/data/sync`;
  });
  after(() => app.close());

  const withToken = (token: string, body: unknown = { pageVisits: [pageVisit()] }, url = syncUrl) =>
    request(url, { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  function expect401(response: { status: number; body: any; headers: Headers }, challenge: string) {
    expect(response.status, JSON.stringify(response.body)).to.equal(401);
    expect(response.headers.get('www-authenticate')).to.equal(challenge);
    expect(response.body).to.deep.equal({
      error: response.body.error,
      code: 'unauthorized',
      requestId: response.headers.get('x-request-id'),
    });
  }

  it('accepts a valid token', async () => {
    const response = await withToken(await app.token('alice'));
    expect(response.status).to.equal(200);
  });

  it('missing header → 401 with a realm and no error', async () => {
    const response = await request(syncUrl, { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect401(response, REALM);
  });

  it('a token in the query string or a cookie is ignored', async () => {
    const token = await app.token('alice');
    expect401(await request(`${syncUrl}?access_token=${token}`, { headers: { 'Content-Type': 'application/json' }, body: '{}' }), REALM);
    expect401(
      await request(syncUrl, { headers: { 'Content-Type': 'application/json', Cookie: `access_token=${token}; token=${token}` }, body: '{}' }),
      REALM,
    );
  });

  for (const [label, header] of [
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['Bearer without a token', 'Bearer'],
    ['a token that is not a JWT', 'Bearer not.a.jwt'],
    ['garbage', 'Bearer %%%'],
  ] as const) {
    it(`${label} → 401 invalid_token`, async () => {
      const response = await request(syncUrl, { headers: { Authorization: header, 'Content-Type': 'application/json' }, body: '{}' });
      expect401(response, INVALID);
    });
  }

  const invalidTokens: Array<[string, () => Promise<string> | string]> = [
    ['a wrong signature', () => signClaims({ sub: 'alice', exp: nowSeconds() + 300 }, `${TEST_SECRET}-but-another-one`)],
    ['expired beyond the tolerance', () => signClaims({ sub: 'alice', exp: nowSeconds() - 120 })],
    ['nbf in the future', () => signClaims({ sub: 'alice', exp: nowSeconds() + 600, nbf: nowSeconds() + 300 })],
    ['no exp', () => signClaims({ sub: 'alice' })],
    ['alg none', () => unsecuredToken({ sub: 'alice', exp: nowSeconds() + 300 })],
    ['an empty sub', () => signClaims({ sub: '', exp: nowSeconds() + 300 })],
    ['no sub', () => signClaims({ exp: nowSeconds() + 300 })],
    ['a fractional sub', () => signClaims({ sub: 4.5 as unknown as string, exp: nowSeconds() + 300 })],
    ['an object sub', () => signClaims({ sub: { id: 1 } as unknown as string, exp: nowSeconds() + 300 })],
    ['a tampered payload', async () => {
      const [header, , signature] = (await app.token('alice')).split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 'mallory', exp: nowSeconds() + 300 })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    }],
  ];
  for (const [label, make] of invalidTokens) {
    it(`${label} → 401 invalid_token`, async () => {
      expect401(await withToken(await make()), INVALID);
    });
  }

  it('accepts a token expired within the clock tolerance', async () => {
    const response = await withToken(await signClaims({ sub: 'alice', exp: nowSeconds() - 5 }));
    expect(response.status).to.equal(200);
  });

  it('accepts a past nbf', async () => {
    const response = await withToken(await signClaims({ sub: 'alice', exp: nowSeconds() + 300, nbf: nowSeconds() - 60 }));
    expect(response.status).to.equal(200);
  });

  it('uses an integer sub as its decimal string', async () => {
    const visit = pageVisit();
    const response = await withToken(await signClaims({ sub: 42 as unknown as string, exp: nowSeconds() + 300 }), { pageVisits: [visit] });
    expect(response.status).to.equal(200);
    const sql = (await testDatabase()).database.sql;
    const [row] = await sql`SELECT user_id FROM page_visits WHERE id = ${visit.id}`;
    expect(row?.['user_id']).to.equal('42');
    // The same user as the string "42": its records are not another user's.
    expect((await app.sync('42', { pageVisits: [{ ...visit, title: 'again' }] })).status).to.equal(200);
  });

  describe('order of checks', () => {
    it('an unauthenticated request with a wrong content type gets 401, not 415', async () => {
      expect401(await request(syncUrl, { headers: { 'Content-Type': 'text/plain' }, body: 'hello' }), REALM);
      expect401(
        await request(syncUrl, { headers: { Authorization: 'Bearer x.y.z', 'Content-Encoding': 'br', 'Content-Type': 'text/plain' }, body: 'x' }),
        INVALID,
      );
    });

    it('an unauthenticated request with a body over the limit or invalid JSON gets 401', async () => {
      const small = await startTestApp({ env: { SYNC_MAX_BODY_BYTES: '1024' } });
      try {
        const url = `${small.url}/api/v1/data/sync`;
        expect401(await request(url, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(4000) }) }), REALM);
        expect401(await request(url, { headers: { 'Content-Type': 'application/json' }, body: '{not json' }), REALM);
      } finally {
        await small.close();
      }
    });

    it('an unknown path answers 404 before authentication', async () => {
      const response = await request(`${app.url}/api/v1/data/other`, { headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(response.status).to.equal(404);
      expect(response.body.code).to.equal('not_found');
    });
  });

  describe('with JWT_ISSUER and JWT_AUDIENCE configured', () => {
    let strict: TestApp;
    before(async () => {
      strict = await startTestApp({ env: { JWT_ISSUER: 'https://auth.example', JWT_AUDIENCE: 'browsing-sync' } });
    });
    after(() => strict.close());

    const strictUrl = () => `${strict.url}/api/v1/data/sync`;
    const claims = (extra: Record<string, unknown>) => ({ sub: `u-${randomUUID()}`, exp: nowSeconds() + 300, ...extra });

    it('accepts the configured iss and aud', async () => {
      const token = await signClaims(claims({ iss: 'https://auth.example', aud: 'browsing-sync' }));
      expect((await withToken(token, {}, strictUrl())).status).to.equal(200);
      const listed = await signClaims(claims({ iss: 'https://auth.example', aud: ['other', 'browsing-sync'] }));
      expect((await withToken(listed, {}, strictUrl())).status).to.equal(200);
    });

    for (const [label, extra] of [
      ['a wrong iss', { iss: 'https://evil.example', aud: 'browsing-sync' }],
      ['no iss', { aud: 'browsing-sync' }],
      ['a wrong aud', { iss: 'https://auth.example', aud: 'another-service' }],
      ['no aud', { iss: 'https://auth.example' }],
    ] as const) {
      it(`refuses ${label}`, async () => {
        expect401(await withToken(await signClaims(claims(extra)), {}, strictUrl()), INVALID);
      });
    }
  });
});
