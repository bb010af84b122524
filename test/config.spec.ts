import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.production).to.equal(false);
    expect(config.http).to.deep.equal({ host: '0.0.0.0', port: 3000, corsOrigins: undefined });
    expect(config.database).to.include({ url: undefined, dataDir: './.data' });
    expect(config.auth).to.include({ secret: undefined, publicKey: undefined, jwksUrl: undefined, clockToleranceSeconds: 30 });
    expect(config.sync).to.deep.equal({ maxRecordsPerType: 1000, maxBodyBytes: 5 * 1024 * 1024 });
    expect(config.logLevel).to.equal('info');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u@db:5432/sync',
      DATA_DIR: '/var/lib/sync',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://auth.example',
      JWT_AUDIENCE: 'sync',
      JWT_CLOCK_TOLERANCE_S: '5',
      SYNC_MAX_RECORDS: '200',
      SYNC_MAX_BODY_BYTES: '65536',
      CORS_ORIGINS: 'chrome-extension://a, https://b.example ,',
      LOG_LEVEL: 'warn',
    });
    expect(config.http).to.deep.equal({ host: '127.0.0.1', port: 8080, corsOrigins: ['chrome-extension://a', 'https://b.example'] });
    expect(config.database).to.include({ url: 'postgres://u@db:5432/sync', dataDir: '/var/lib/sync' });
    expect(config.auth).to.include({ secret: SECRET, issuer: 'https://auth.example', audience: 'sync', clockToleranceSeconds: 5 });
    expect(config.sync).to.deep.equal({ maxRecordsPerType: 200, maxBodyBytes: 65536 });
    expect(config.logLevel).to.equal('warn');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', JWT_SECRET: '' }).http.port).to.equal(3000);
  });

  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['SYNC_MAX_RECORDS', '0'],
    ['SYNC_MAX_RECORDS', '-3'],
    ['SYNC_MAX_BODY_BYTES', 'lots'],
    ['JWT_CLOCK_TOLERANCE_S', 'soon'],
    ['DATABASE_URL', 'mysql://db/sync'],
    ['JWT_SECRET', 'short'],
    ['JWT_JWKS_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_POOL_MAX', '0'],
  ] as const) {
    it(`refuses ${variable}=${value} with a ConfigError naming it`, () => {
      const error = configError({ [variable]: value });
      expect(error.message).to.include(variable);
    });
  }

  it('does not echo a refused secret', () => {
    expect(configError({ JWT_SECRET: 'tooshort-secret' }).message).not.to.include('tooshort-secret');
  });

  it('names every bad variable at once', () => {
    const error = configError({ PORT: 'abc', SYNC_MAX_RECORDS: '0' });
    expect(error.message).to.include('PORT').and.to.include('SYNC_MAX_RECORDS');
  });

  it('NODE_ENV=production without a key is an error', () => {
    const error = configError({ NODE_ENV: 'production' });
    expect(error.message).to.match(/JWT_SECRET/).and.to.match(/production/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).production).to.equal(true);
  });

  it('two keys at once is an error', () => {
    expect(configError({ JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://auth.example/jwks.json' }).message).to.include('only one');
    expect(configError({ JWT_SECRET: SECRET, JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }).message).to.include('only one');
  });
});
