import { Command } from 'commander';
import type Koa from 'koa';
import { buildContainer, TOKENS } from '../../main.js';
import { listen } from '../http/http-server.js';
import type { SchemaReadiness } from '../persistence/postgres/schema-readiness.js';
import { loadRuntime, runCommand } from './runtime.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

export function serveCommand(): Command {
  return new Command('serve').description('run the HTTP service (the default command)').action(() =>
    runCommand(async () => {
      const { config, logger } = loadRuntime();
      const app = await buildContainer(config, logger);
      const http = await app.container.getAsync<Koa>(TOKENS.HttpApp);
      const schema = app.container.get<SchemaReadiness>(TOKENS.SchemaReadiness);
      const migrated = schema.migrateUntilDone();
      const server = await listen(http, config.http.host, config.http.port);
      logger.info({ url: server.url }, `listening on ${server.url}`);

      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'shutting down');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      schema.stop();
      await server.close(SHUTDOWN_TIMEOUT_MS);
      await migrated;
      await app.close();
      logger.info('stopped');
    }),
  );
}
