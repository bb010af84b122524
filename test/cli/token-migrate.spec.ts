import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import postgres from 'postgres';
import { DEV_SECRET_FILE } from '../../src/adapters/auth/dev-secret.js';
import { JwtVerifier } from '../../src/adapters/auth/jwt-verifier.js';
import { verificationKeyFromConfig } from '../../src/adapters/auth/key-from-config.js';
import { secretKey } from '../../src/adapters/auth/verification-key.js';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT, runCli } from '../support/cli-process.js';

const MIGRATIONS = readdirSync(join(REPO_ROOT, 'migrations')).filter((name) => name.endsWith('.sql')).sort();
const SECRET = 'a-secret-of-at-least-thirty-two-characters';

const cli = (args: string[], env: Record<string, string>) => runCli(args, env, 60_000);

const verifierFor = async (secret: string, options: { issuer?: string; audience?: string } = {}) =>
  new JwtVerifier(await secretKey(secret), { issuer: options.issuer, audience: options.audience, clockToleranceSeconds: 0 });

describe('CLI: token and migrate', function () {
  // Every run starts a Node process with tsx (and, for migrate, an embedded database).
  this.timeout(120_000);

  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'browsing-sync-cli-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  describe('token', () => {
    it('--sub alice prints a token the service accepts, signed with the dev secret kept in DATA_DIR', async () => {
      const run = await cli(['token', '--sub', 'alice'], { DATA_DIR: dataDir });
      expect(run.code, run.stderr).to.equal(0);
      const token = run.stdout.trim();
      expect(token.split('.')).to.have.length(3);
      const secret = (await readFile(join(dataDir, DEV_SECRET_FILE), 'utf8')).trim();
      expect(await (await verifierFor(secret)).verify(token)).to.equal('alice');
      // The key a dev server on this DATA_DIR would verify with.
      const serverKey = await verificationKeyFromConfig(loadConfig({ DATA_DIR: dataDir }), () => {});
      const serverVerifier = new JwtVerifier(serverKey, { issuer: undefined, audience: undefined, clockToleranceSeconds: 30 });
      expect(await serverVerifier.verify(token)).to.equal('alice');
      // A second token uses the same secret (the server started later accepts both).
      const again = await cli(['token', '--sub', 'bob'], { DATA_DIR: dataDir });
      expect(await (await verifierFor(secret)).verify(again.stdout.trim())).to.equal('bob');
    });

    it('signs with JWT_SECRET and the configured iss and aud, for the requested lifetime', async () => {
      const run = await cli(['token', '--sub', 'carol', '--ttl', '15m'], {
        DATA_DIR: dataDir,
        JWT_SECRET: SECRET,
        JWT_ISSUER: 'https://auth.example',
        JWT_AUDIENCE: 'browsing-sync',
      });
      expect(run.code, run.stderr).to.equal(0);
      const token = run.stdout.trim();
      expect(await (await verifierFor(SECRET, { issuer: 'https://auth.example', audience: 'browsing-sync' })).verify(token)).to.equal('carol');
      const claims = decodeJwt(token);
      expect((claims.exp as number) - (claims.iat as number)).to.equal(900);
    });

    it('refuses with a clear message when only JWT_PUBLIC_KEY is configured', async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const run = await cli(['token', '--sub', 'alice'], { DATA_DIR: dataDir, JWT_PUBLIC_KEY: pem });
      expect(run.code).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.match(/cannot be minted/).and.to.include('JWT_PUBLIC_KEY');
      expect(run.stderr).not.to.match(/\n\s+at /);
    });

    it('a bad configuration value exits 2 naming the variable', async () => {
      const run = await cli(['token', '--sub', 'alice'], { DATA_DIR: dataDir, JWT_CLOCK_TOLERANCE_S: 'soon' });
      expect(run.code).to.equal(2);
      expect(run.stderr).to.include('JWT_CLOCK_TOLERANCE_S');
      expect(run.stdout).to.equal('');
    });

    it('--sub is required', async () => {
      const run = await cli(['token'], { DATA_DIR: dataDir });
      expect(run.code).to.not.equal(0);
      expect(run.stderr).to.include('--sub');
    });
  });

  describe('migrate', () => {
    it('on the embedded database in DATA_DIR: applies, then has nothing to apply, then --status lists it', async () => {
      const env = { DATA_DIR: dataDir };
      const first = await cli(['migrate'], env);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.equal(MIGRATIONS.map((name) => `applied  ${name}\n`).join(''));

      const second = await cli(['migrate'], env);
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stdout).to.equal('nothing to apply\n');

      const status = await cli(['migrate', '--status'], env);
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout).to.equal(MIGRATIONS.map((name) => `applied  ${name}\n`).join(''));
    });

    it('--status on a fresh embedded database lists every migration as pending', async () => {
      const status = await cli(['migrate', '--status'], { DATA_DIR: dataDir });
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout).to.equal(MIGRATIONS.map((name) => `pending  ${name}\n`).join(''));
    });

    it('refuses clearly while another live process holds the data directory', async () => {
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        await writeFile(join(dataDir, 'server.lock'), String(holder.pid));
        const run = await cli(['migrate'], { DATA_DIR: dataDir });
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include('in use by process').and.to.include(String(holder.pid));
      } finally {
        holder.kill();
        await once(holder, 'exit');
      }
    });

    const serverUrl = process.env['TEST_DATABASE_URL'];
    (serverUrl === undefined ? it.skip : it)('on a PostgreSQL server (DATABASE_URL): applies, then --status lists it', async () => {
      const name = `browsing_sync_cli_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const admin = postgres(serverUrl as string, { max: 1, onnotice: () => {} });
      await admin.unsafe(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(serverUrl as string);
        url.pathname = `/${name}`;
        const env = { DATA_DIR: dataDir, DATABASE_URL: url.toString() };
        const pending = await cli(['migrate', '--status'], env);
        expect(pending.stdout).to.equal(MIGRATIONS.map((m) => `pending  ${m}\n`).join(''));
        const first = await cli(['migrate'], env);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.stdout).to.equal(MIGRATIONS.map((m) => `applied  ${m}\n`).join(''));
        const status = await cli(['migrate', '--status'], env);
        expect(status.stdout).to.equal(MIGRATIONS.map((m) => `applied  ${m}\n`).join(''));
      } finally {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    });
  });
});
