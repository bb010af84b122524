import { Command, InvalidArgumentError } from 'commander';
import { signingSecretFromConfig } from '../auth/key-from-config.js';
import { signToken } from '../auth/token-signer.js';
import { loadRuntime, runCommand } from './runtime.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function parseTtl(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  if (match === null) throw new InvalidArgumentError('use a number and a unit: 30s, 15m, 1h, 7d');
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

export function tokenCommand(): Command {
  return new Command('token')
    .description('print an access token signed with the configured secret (development secret or JWT_SECRET)')
    .requiredOption('--sub <id>', 'the user id the token names')
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 1h, 7d', parseTtl, 3600)
    .action((options: { sub: string; ttl: number }) =>
      runCommand(async () => {
        const { config } = loadRuntime();
        const secret = await signingSecretFromConfig(config);
        const token = await signToken(secret, {
          sub: options.sub,
          ttlSeconds: options.ttl,
          issuer: config.auth.issuer,
          audience: config.auth.audience,
        });
        process.stdout.write(`${token}\n`);
      }),
    );
}
