import type Koa from 'koa';
import { listen, type RunningServer } from '../../../src/adapters/http/http-server.js';
import { createLogger } from '../../../src/adapters/logger.js';
import type { Database } from '../../../src/adapters/persistence/postgres/database.js';
import { loadConfig } from '../../../src/config.js';
import { buildContainer, TOKENS } from '../../../src/main.js';
import { TEST_ENV } from '../../support/test-app.js';

/**
 * The service wired by the production container builder on a database of the test's own
 * (a scratch database, or one reached through a fault-injecting proxy).
 */
export interface InProcessService {
  url: string;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startServiceOn(database: Database): Promise<InProcessService> {
  const config = loadConfig({
    ...TEST_ENV,
  });
  const app = await buildContainer(config, createLogger(config.logLevel), { database });
  const server = await listen(await app.container.getAsync<Koa>(TOKENS.HttpApp), '127.0.0.1', 0);
  return {
    url: server.url,
    server,
    async close() {
      await server.close(1000);
      await app.close();
    },
  };
}
