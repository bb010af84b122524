import type Koa from 'koa';
import { signToken } from '../../src/adapters/auth/token-signer.js';
import { listen, type RunningServer } from '../../src/adapters/http/http-server.js';
import { createLogger } from '../../src/adapters/logger.js';
import { loadConfig } from '../../src/config.js';
import { buildContainer, TOKENS } from '../../src/main.js';
import { TEST_SECRET } from './test-app.js';

/** Nothing listens on port 1: every connection is refused at once. */
export const UNREACHABLE_DATABASE_URL = 'postgres://postgres:hunter2@127.0.0.1:1/x';

export interface UnreachableApp {
  url: string;
  token(sub: string): Promise<string>;
  close(): Promise<void>;
}

/** The real service, wired by the production container, with a database that cannot be reached. */
export async function startUnreachableApp(): Promise<UnreachableApp> {
  const config = loadConfig({ DATABASE_URL: UNREACHABLE_DATABASE_URL, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' });
  const app = await buildContainer(config, createLogger('silent'));
  let server: RunningServer | undefined;
  try {
    server = await listen(await app.container.getAsync<Koa>(TOKENS.HttpApp), '127.0.0.1', 0);
  } catch (error) {
    await app.close();
    throw error;
  }
  const running = server;
  return {
    url: running.url,
    token: (sub) => signToken(TEST_SECRET, { sub, ttlSeconds: 300 }),
    async close() {
      await running.close(1000);
      await app.close();
    },
  };
}
