import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { pageVisit } from '../support/records.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

async function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA'): Promise<KeyPair> {
  return generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
}

async function sign(privateKey: CryptoKey | Uint8Array, alg: string, sub: string, kid?: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

/** A JWKS endpoint on loopback whose key set (or failure) the test controls. */
async function startJwksServer() {
  let keys: JWK[] = [];
  let failing = false;
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    fetches++;
    if (failing) {
      res.writeHead(500).end('down');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    setKeys(next: JWK[]) {
      keys = next;
    },
    fail(value: boolean) {
      failing = value;
    },
    get fetches() {
      return fetches;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function publicJwk(pair: KeyPair, alg: string, kid: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), alg, kid, use: 'sig' };
}

async function post(app: TestApp, token: string) {
  const response = await fetch(`${app.url}/api/v1/data/sync`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ pageVisits: [pageVisit()] }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('auth modes: JWKS, public keys, algorithm confusion', () => {
  describe('JWKS (JWT_JWKS_URL)', () => {
    let jwks: Awaited<ReturnType<typeof startJwksServer>>;
    let app: TestApp;
    let rsa: KeyPair;
    let ec: KeyPair;
    let rotated: KeyPair;

    before(async () => {
      [rsa, ec, rotated] = await Promise.all([keyPair('RS256'), keyPair('ES256'), keyPair('RS256')]);
      jwks = await startJwksServer();
      jwks.setKeys([await publicJwk(rsa, 'RS256', 'rsa-1'), await publicJwk(ec, 'ES256', 'ec-1')]);
      app = await startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_JWKS_URL: jwks.url } });
    });
    after(async () => {
      await app.close();
      await jwks.close();
    });

    it('accepts RS256 and ES256 tokens signed by keys of the set, chosen by kid', async () => {
      expect((await post(app, await sign(rsa.privateKey, 'RS256', 'jwks-user', 'rsa-1'))).status).to.equal(200);
      expect((await post(app, await sign(ec.privateKey, 'ES256', 'jwks-user', 'ec-1'))).status).to.equal(200);
    });

    it('refuses a token whose kid names a key of the set that did not sign it', async () => {
      const response = await post(app, await sign(ec.privateKey, 'ES256', 'jwks-user', 'rsa-1'));
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.include('error="invalid_token"');
    });

    it('answers 401 (not 503) for an unknown kid', async () => {
      const response = await post(app, await sign(rotated.privateKey, 'RS256', 'jwks-user', 'unknown-kid'));
      expect(response.status).to.equal(401);
      expect(response.body.code).to.equal('unauthorized');
      expect(response.headers.get('www-authenticate')).to.include('error="invalid_token"');
    });

    it('follows a key rotation: the new key is accepted, the retired one refused once the set is fetched again', async () => {
      // Rotation publishes the new key; the service fetches the set again for a kid it does not know
      // (at most once per cool-down), so the test starts a fresh service to avoid waiting for it.
      jwks.setKeys([await publicJwk(rsa, 'RS256', 'rsa-1'), await publicJwk(rotated, 'RS256', 'rsa-2')]);
      const fresh = await startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_JWKS_URL: jwks.url } });
      try {
        expect((await post(fresh, await sign(rsa.privateKey, 'RS256', 'jwks-user', 'rsa-1'))).status).to.equal(200);
        expect((await post(fresh, await sign(rotated.privateKey, 'RS256', 'jwks-user', 'rsa-2'))).status).to.equal(200);
      } finally {
        await fresh.close();
      }
      jwks.setKeys([await publicJwk(rotated, 'RS256', 'rsa-2')]);
      const afterRetirement = await startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_JWKS_URL: jwks.url } });
      try {
        expect((await post(afterRetirement, await sign(rotated.privateKey, 'RS256', 'jwks-user', 'rsa-2'))).status).to.equal(200);
        expect((await post(afterRetirement, await sign(rsa.privateKey, 'RS256', 'jwks-user', 'rsa-1'))).status).to.equal(401);
      } finally {
        await afterRetirement.close();
      }
    });

    it('answers 503 with Retry-After (not 401) when the key set cannot be fetched', async () => {
      const broken = await startJwksServer();
      broken.fail(true);
      const failing = await startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_JWKS_URL: broken.url } });
      try {
        const response = await post(failing, await sign(rsa.privateKey, 'RS256', 'jwks-user', 'rsa-1'));
        expect(response.status).to.equal(503);
        expect(response.body.code).to.equal('unavailable');
        expect(response.headers.get('retry-after')).to.match(/^\d+$/);
        expect(broken.fetches).to.be.greaterThan(0);
      } finally {
        await failing.close();
        await broken.close();
      }
    });

    it('answers 503 when the key set server is not reachable at all', async () => {
      const gone = await startJwksServer();
      const url = gone.url;
      await gone.close();
      const failing = await startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_JWKS_URL: url } });
      try {
        const response = await post(failing, await sign(rsa.privateKey, 'RS256', 'jwks-user', 'rsa-1'));
        expect(response.status).to.equal(503);
        expect(response.headers.get('retry-after')).to.match(/^\d+$/);
      } finally {
        await failing.close();
      }
    });

    it('still answers 401 for a malformed token while the key set is unreachable', async () => {
      const gone = await startJwksServer();
      const url = gone.url;
      await gone.close();
      const failing = await startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_JWKS_URL: url } });
      try {
        expect((await post(failing, 'not.a.jwt')).status).to.equal(401);
      } finally {
        await failing.close();
      }
    });
  });

  describe('public key (JWT_PUBLIC_KEY)', () => {
    async function appWithKey(publicKey: string) {
      return startTestApp({ persistence: 'memory', env: { JWT_SECRET: '', JWT_PUBLIC_KEY: publicKey } });
    }

    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      it(`verifies ${alg} tokens against a PEM public key, and refuses another key's`, async () => {
        const [pair, other] = await Promise.all([keyPair(alg), keyPair(alg)]);
        const app = await appWithKey(await exportSPKI(pair.publicKey));
        try {
          expect((await post(app, await sign(pair.privateKey, alg, 'pem-user'))).status).to.equal(200);
          expect((await post(app, await sign(other.privateKey, alg, 'pem-user'))).status).to.equal(401);
        } finally {
          await app.close();
        }
      });

      it(`verifies ${alg} tokens against a public JWK`, async () => {
        const pair = await keyPair(alg);
        const jwk = await exportJWK(pair.publicKey);
        const app = await appWithKey(JSON.stringify(jwk));
        try {
          expect((await post(app, await sign(pair.privateKey, alg, 'jwk-user'))).status).to.equal(200);
        } finally {
          await app.close();
        }
      });
    }

    it('accepts a PEM whose newlines are escaped, as environment files often hold it', async () => {
      const pair = await keyPair('RS256');
      const app = await appWithKey((await exportSPKI(pair.publicKey)).replace(/\n/g, '\\n'));
      try {
        expect((await post(app, await sign(pair.privateKey, 'RS256', 'pem-user'))).status).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it('refuses the algorithm-confusion attack: an HS256 token signed with the public key bytes', async () => {
      const pair = await keyPair('RS256');
      const pem = await exportSPKI(pair.publicKey);
      const app = await appWithKey(pem);
      try {
        for (const secret of [pem, pem.trim(), JSON.stringify(await exportJWK(pair.publicKey))]) {
          const forged = await sign(new TextEncoder().encode(secret), 'HS256', 'attacker');
          const response = await post(app, forged);
          expect(response.status).to.equal(401);
          expect(response.headers.get('www-authenticate')).to.include('error="invalid_token"');
        }
      } finally {
        await app.close();
      }
    });

    it('refuses an unsigned token (alg none) and a token of another asymmetric algorithm', async () => {
      const [rsa, ec] = await Promise.all([keyPair('RS256'), keyPair('ES256')]);
      const app = await appWithKey(await exportSPKI(rsa.publicKey));
      try {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        const payload = Buffer.from(JSON.stringify({ sub: 'attacker', exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
        expect((await post(app, `${header}.${payload}.`)).status).to.equal(401);
        expect((await post(app, await sign(ec.privateKey, 'ES256', 'attacker'))).status).to.equal(401);
      } finally {
        await app.close();
      }
    });

    it('refuses a JWT_PUBLIC_KEY holding a private key or a shared secret at start', async () => {
      const pair = await keyPair('ES256');
      const privateJwk = await exportJWK(pair.privateKey);
      for (const key of [JSON.stringify(privateJwk), JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' })]) {
        let failure: unknown;
        try {
          const app = await appWithKey(key);
          await app.close();
        } catch (error) {
          failure = error;
        }
        expect(failure, key.slice(0, 30)).to.be.instanceOf(Error);
      }
    });
  });
});
