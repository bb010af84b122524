import { Command } from 'commander';
import { buildContainer, TOKENS } from '../../main.js';
import type { Migrator } from '../persistence/postgres/migrator.js';
import { loadRuntime, runCommand } from './runtime.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending migrations and print what was applied')
    .option('--status', 'list applied and pending migrations, change nothing')
    .action((options: { status?: boolean }) =>
      runCommand(async () => {
        const { config, logger } = loadRuntime();
        const app = await buildContainer(config, logger);
        try {
          const migrator = app.container.get<Migrator>(TOKENS.Migrator);
          if (options.status) {
            const { applied, pending } = await migrator.status();
            for (const name of applied) process.stdout.write(`applied  ${name}\n`);
            for (const name of pending) process.stdout.write(`pending  ${name}\n`);
          } else {
            const applied = await migrator.migrate();
            process.stdout.write(applied.length ? applied.map((name) => `applied  ${name}\n`).join('') : 'nothing to apply\n');
          }
        } finally {
          await app.close();
        }
      }),
    );
}
