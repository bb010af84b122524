import { PassThrough, Readable } from 'node:stream';
import type { ReplayIo } from '../../src/adapters/cli/replay-command.js';

/** In-memory standard streams for the programmatic `replay` entry. */
export function captureIo(stdinText = ''): ReplayIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    stdin: Readable.from([Buffer.from(stdinText)]),
    stdout,
    stderr,
    interactive: false,
    out: () => out,
    err: () => err,
  };
}
