import { Command } from 'commander';
import { migrateCommand } from './migrate-command.js';
import { replayCommand } from './replay-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCommand } from './token-command.js';

export function buildProgram(): Command {
  return new Command('browsing-sync')
    .description('Batch ingestion API for browsing activity synced by the browser extension')
    .showHelpAfterError()
    .addCommand(serveCommand(), { isDefault: true })
    .addCommand(migrateCommand())
    .addCommand(tokenCommand())
    .addCommand(replayCommand());
}
