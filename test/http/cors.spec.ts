import { expect } from 'chai';
import { request } from '../support/http-request.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SYNC = '/api/v1/data/sync';

function preflight(url: string, origin: string) {
  return request(`${url}${SYNC}`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    },
  });
}

describe('CORS', () => {
  describe('with no configured origins', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    for (const origin of [
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      'moz-extension://6b0e8f2c-1d3a-4b5c-9e7f-0a1b2c3d4e5f',
      'safari-web-extension://ABCDEF01-2345-6789-ABCD-EF0123456789',
    ]) {
      it(`answers a preflight from ${origin.split(':')[0]} with 204 and the allow headers`, async () => {
        const response = await preflight(app.url, origin);
        expect(response.status).to.equal(204);
        expect(response.headers.get('access-control-allow-origin')).to.equal(origin);
        expect(response.headers.get('access-control-allow-methods')).to.include('POST');
        const allowHeaders = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
        expect(allowHeaders).to.include('authorization');
        expect(allowHeaders).to.include('content-type');
        expect(response.headers.get('vary')?.toLowerCase()).to.include('origin');
      });
    }

    for (const origin of ['https://evil.example', 'http://localhost:3000', 'null', 'chrome-extension://abc/path']) {
      it(`gives no allow-origin to ${origin}`, async () => {
        const response = await preflight(app.url, origin);
        expect(response.headers.get('access-control-allow-origin')).to.equal(null);
        expect(response.headers.get('access-control-allow-credentials')).to.equal(null);
      });
    }

    it('lets an extension read the answers of real requests: 200, 400 and 401', async () => {
      const origin = 'chrome-extension://abc';
      const ok = await app.sync('cors', {}, { Origin: origin });
      expect(ok.status).to.equal(200);
      expect(ok.headers.get('access-control-allow-origin')).to.equal(origin);
      expect((ok.headers.get('access-control-expose-headers') ?? '').toLowerCase()).to.include('x-request-id');

      const invalid = await app.sync('cors', { pageVisits: 3 }, { Origin: origin });
      expect(invalid.status).to.equal(400);
      expect(invalid.headers.get('access-control-allow-origin')).to.equal(origin);

      const unauthorized = await request(`${app.url}${SYNC}`, { headers: { Origin: origin, 'Content-Type': 'application/json' }, body: '{}' });
      expect(unauthorized.status).to.equal(401);
      expect(unauthorized.headers.get('access-control-allow-origin')).to.equal(origin);
      expect((unauthorized.headers.get('access-control-expose-headers') ?? '').toLowerCase()).to.include('www-authenticate');
    });

    it('a web origin gets no allow-origin on real requests either', async () => {
      const response = await app.sync('cors', {}, { Origin: 'https://evil.example' });
      expect(response.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });

  describe('with CORS_ORIGINS set', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ env: { CORS_ORIGINS: 'https://app.example, chrome-extension://onlythisone' } });
    });
    after(() => app.close());

    for (const origin of ['https://app.example', 'chrome-extension://onlythisone']) {
      it(`allows the listed origin ${origin}`, async () => {
        const response = await preflight(app.url, origin);
        expect(response.status).to.equal(204);
        expect(response.headers.get('access-control-allow-origin')).to.equal(origin);
      });
    }

    for (const origin of ['chrome-extension://another', 'moz-extension://x', 'https://evil.example', 'https://app.example.evil']) {
      it(`refuses the unlisted origin ${origin}`, async () => {
        const response = await preflight(app.url, origin);
        expect(response.headers.get('access-control-allow-origin')).to.equal(null);
      });
    }
  });
});
