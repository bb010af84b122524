import type Koa from 'koa';
import { signToken } from '../../src/adapters/auth/token-signer.js';
import { listen, type RunningServer } from '../../src/adapters/http/http-server.js';
import { createLogger, type Logger } from '../../src/adapters/logger.js';
import type { Clock } from '../../src/application/ports.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildContainer, TOKENS, type AppContainer } from '../../src/main.js';
import { testDatabase } from './test-database.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

/** The environment of every in-process test service. Rate limits are off unless a test turns
 * them on: suites send bursts of one user's batches. */
export const TEST_ENV: Record<string, string> = {
  JWT_SECRET: TEST_SECRET,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
  RATE_LIMIT_RECORDS_PER_MINUTE: '0',
  SYNC_MAX_CONCURRENT_PER_USER: '0',
};

export interface TestApp {
  url: string;
  config: Config;
  app: AppContainer;
  server: RunningServer;
  /** A valid token for `sub`, signed with the test secret. */
  token(sub: string, ttlSeconds?: number): Promise<string>;
  /** POSTs a JSON batch as `sub` and returns the parsed answer. */
  sync(sub: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults (JWT_SECRET, silent logs). */
  env?: Record<string, string>;
  persistence?: 'postgres' | 'memory';
  clock?: Clock;
  /** Where log lines go (tests that read them); by default a logger at the configured level. */
  logger?: Logger;
}

/** The real service on a real listening port, wired by the production container builder. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ ...TEST_ENV, ...options.env });
  const logger = options.logger ?? createLogger(config.logLevel);
  const persistence = options.persistence ?? 'postgres';
  const database = persistence === 'postgres' ? (await testDatabase()).database : undefined;
  const app = await buildContainer(config, logger, {
    persistence,
    ...(database === undefined ? {} : { database }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  if (persistence === 'postgres') {
    await app.container.get<{ migrateUntilDone(): Promise<void> }>(TOKENS.SchemaReadiness).migrateUntilDone();
  }
  const server = await listen(await app.container.getAsync<Koa>(TOKENS.HttpApp), '127.0.0.1', 0);
  const token = (sub: string, ttlSeconds = 300) =>
    signToken(config.auth.secret ?? TEST_SECRET, { sub, ttlSeconds, issuer: config.auth.issuer, audience: config.auth.audience });
  return {
    url: server.url,
    config,
    app,
    server,
    token,
    async sync(sub, body, headers = {}) {
      const response = await fetch(`${server.url}/api/v1/data/sync`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await token(sub)}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
    },
    async close() {
      await server.close(1000);
      await app.close();
    },
  };
}
