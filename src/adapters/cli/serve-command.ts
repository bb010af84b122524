import { Command } from 'commander';
import type Koa from 'koa';
import { buildContainer, TOKENS } from '../../main.js';
import { listen } from '../http/http-server.js';
import type { SchemaReadiness } from '../persistence/postgres/schema-readiness.js';
import { loadRuntime, runCommand } from './runtime.js';

export function serveCommand(): Command {
  return new Command('serve').description('run the HTTP service (the default command)').action(() =>
    runCommand(async () => {
      const { config, logger } = loadRuntime();
      const app = await buildContainer(config, logger);
      const http = await app.container.getAsync<Koa>(TOKENS.HttpApp);
      const schema = app.container.get<SchemaReadiness>(TOKENS.SchemaReadiness);
      const migrated = schema.migrateUntilDone();
      const server = await listen(http, config.http.host, config.http.port, config.httpTimeouts);
      logger.info({ url: server.url }, `listening on ${server.url}`);

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            // A second signal: the operator does not want to wait for in-flight batches.
            logger.warn({ signal }, 'second signal; exiting now');
            process.exit(1);
          }
          stopping = true;
          logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      schema.stop();
      // In-flight batches finish (committed and answered, or not committed); requests cut
      // at the timeout get no answer, which the client treats as "not saved".
      await server.close(config.shutdownTimeoutMs);
      // Closing the pool first ends a migration attempt that waits for an unreachable database.
      await app.close();
      await migrated;
      logger.info('stopped');
    }),
  );
}
