import type Koa from 'koa';
import type postgres from 'postgres';
import { listen, type RunningServer } from '../../../src/adapters/http/http-server.js';
import { createLogger } from '../../../src/adapters/logger.js';
import { startEmbeddedPostgres } from '../../../src/adapters/persistence/postgres/embedded-postgres.js';
import { createSql } from '../../../src/adapters/persistence/postgres/postgres-client.js';
import type { SchemaReadiness } from '../../../src/adapters/persistence/postgres/schema-readiness.js';
import { signToken } from '../../../src/adapters/auth/token-signer.js';
import { loadConfig } from '../../../src/config.js';
import { buildContainer, TOKENS, type AppContainer } from '../../../src/main.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { createScratchDatabase } from '../../support/test-database.js';
import { TEST_ENV, TEST_SECRET } from '../../support/test-app.js';

/**
 * The real service whose only way to its database is a loopback proxy the test can cut:
 * on the server named by TEST_DATABASE_URL (a scratch database), else on an in-memory
 * PGlite served on a socket (which takes one session at a time, hence one pool for all).
 */
export interface ServiceBehindProxy {
  url: string;
  proxy: TcpProxy;
  /** The service's own pool (through the proxy): checks what was committed once restored. */
  sql: postgres.Sql;
  sync(sub: string, body: unknown): Promise<{ status: number; headers: Headers; body: any }>;
  get(path: string): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export interface ServiceBehindProxyOptions {
  cutBeforeStart: boolean;
  env?: Record<string, string>;
  /** The service's pool size on a PostgreSQL server (PGlite always has one connection). */
  poolMax?: number;
}

export async function startServiceBehindProxy(options: ServiceBehindProxyOptions): Promise<ServiceBehindProxy> {
  const backend = await startBackend(options.poolMax ?? 5);
  const proxy = await startTcpProxy(backend.host, backend.port);
  if (options.cutBeforeStart) proxy.cut();
  const sql = backend.viaProxy(proxy.port);
  const config = loadConfig({
    ...TEST_ENV,
    DATABASE_ACQUIRE_TIMEOUT_MS: '1500',
    ...options.env,
  });
  const app: AppContainer = await buildContainer(config, createLogger('silent'), {
    database: { sql, description: 'behind a test proxy', close: () => sql.end({ timeout: 1 }) },
  });
  const schema = app.container.get<SchemaReadiness>(TOKENS.SchemaReadiness);
  const migrating = schema.migrateUntilDone(250);
  const server: RunningServer = await listen(await app.container.getAsync<Koa>(TOKENS.HttpApp), '127.0.0.1', 0);

  const read = async (response: Response) => {
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
  };
  return {
    url: server.url,
    proxy,
    sql,
    async sync(sub, body) {
      const token = await signToken(TEST_SECRET, { sub, ttlSeconds: 300 });
      return read(
        await fetch(`${server.url}/api/v1/data/sync`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
          // A request must never hang: the service answers 503 within its acquire timeout.
          signal: AbortSignal.timeout(20_000),
        }),
      );
    },
    async get(path) {
      return read(await fetch(`${server.url}${path}`));
    },
    async close() {
      schema.stop();
      await server.close(1000);
      await migrating;
      await sql.end({ timeout: 1 });
      await app.close();
      await proxy.close();
      await backend.close();
    },
  };
}

interface Backend {
  host: string;
  port: number;
  viaProxy(port: number): postgres.Sql;
  close(): Promise<void>;
}

async function startBackend(poolMax: number): Promise<Backend> {
  if (process.env['TEST_DATABASE_URL'] !== undefined) {
    const scratch = await createScratchDatabase();
    const target = new URL(scratch.url as string);
    return {
      host: target.hostname,
      port: Number(target.port || 5432),
      viaProxy(port) {
        const proxied = new URL(target);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(port);
        return createSql({ url: proxied.toString(), poolMax });
      },
      close: () => scratch.database.close(),
    };
  }
  const embedded = await startEmbeddedPostgres(undefined);
  return {
    host: embedded.host,
    port: embedded.port,
    viaProxy: (port) => createSql({ host: '127.0.0.1', port, poolMax: 1 }),
    close: () => embedded.stop(),
  };
}
