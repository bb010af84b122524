import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readLines } from './line-reader.js';
import { UsageError } from './replay-errors.js';

/** One batch to replay, or one line that could not be read as one. */
export type ReplayItem =
  | {
      kind: 'batch';
      source: string;
      line: number;
      /** From a capture line; plain batches carry none. */
      userId: string | undefined;
      batch: unknown;
      /** The status the service answered when the batch was captured. */
      capturedStatus: number | undefined;
      bytes: number;
    }
  | { kind: 'malformed'; source: string; line: number; reason: string; bytes: number };

export interface InputSource {
  name: string;
  /** Known for files, for the progress bar; undefined for standard input. */
  size: number | undefined;
  open(): AsyncIterable<Buffer | string>;
}

export async function resolveSources(args: string[], stdin: NodeJS.ReadableStream): Promise<InputSource[]> {
  if (args.length === 0) throw new UsageError('name at least one input file, or - for standard input');
  if (args.filter((arg) => arg === '-').length > 1) throw new UsageError('- (standard input) can be named only once');
  const sources: InputSource[] = [];
  for (const arg of args) {
    if (arg === '-') {
      sources.push({ name: '<stdin>', size: undefined, open: () => stdin as AsyncIterable<Buffer | string> });
      continue;
    }
    const info = await stat(arg).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${arg}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`);
    });
    if (!info.isFile()) throw new UsageError(`cannot read ${arg}: not a file`);
    sources.push({ name: arg, size: info.size, open: () => createReadStream(arg) });
  }
  return sources;
}

/**
 * Every input kind through one reader. A source whose first line is a JSON value is read
 * as NDJSON (capture files included), line by line. Otherwise it is taken as one JSON
 * document spread over lines (a pretty-printed batch), held up to `maxLineBytes`; if it
 * does not parse as a whole, its lines are read as NDJSON after all, so a file whose first
 * line is broken still replays the rest.
 */
export async function* readReplayInput(sources: InputSource[], maxLineBytes: number): AsyncGenerator<ReplayItem> {
  for (const source of sources) {
    yield* readSource(source, maxLineBytes);
  }
}

interface Held {
  number: number;
  text: string;
  bytes: number;
}

async function* readSource(source: InputSource, maxLineBytes: number): AsyncGenerator<ReplayItem> {
  let mode: 'unknown' | 'lines' | 'document' = 'unknown';
  let held: Held[] = [];
  let heldBytes = 0;

  for await (const line of readLines(source.open(), maxLineBytes)) {
    if ('tooLong' in line) {
      if (mode === 'document') {
        yield* asLines(source.name, held);
        held = [];
        heldBytes = 0;
      }
      mode = 'lines';
      yield { kind: 'malformed', source: source.name, line: line.number, reason: `line longer than ${maxLineBytes} bytes`, bytes: line.bytes };
      continue;
    }
    if (mode === 'lines') {
      const item = fromLine(source.name, line);
      if (item !== undefined) yield item;
      continue;
    }
    if (mode === 'unknown') {
      if (line.text.trim() === '') continue;
      const parsed = parseJson(line.text);
      if (parsed.ok) {
        mode = 'lines';
        yield toItem(source.name, line.number, parsed.value, line.bytes);
        continue;
      }
      mode = 'document';
    }
    held.push(line);
    heldBytes += line.bytes;
    if (heldBytes > maxLineBytes) {
      yield* asLines(source.name, held);
      held = [];
      heldBytes = 0;
      mode = 'lines';
    }
  }
  if (mode === 'document') yield* asDocument(source.name, held);
}

function* asDocument(source: string, held: Held[]): Generator<ReplayItem> {
  const first = held[0] as Held;
  const bytes = held.reduce((sum, line) => sum + line.bytes, 0);
  const parsed = parseJson(held.map((line) => line.text).join('\n'));
  if (parsed.ok) {
    yield toItem(source, first.number, parsed.value, bytes);
  } else if (held.slice(1).some((line) => parseJson(line.text).ok)) {
    yield* asLines(source, held);
  } else {
    yield { kind: 'malformed', source, line: first.number, reason: 'not valid JSON: neither one JSON document nor one batch per line', bytes };
  }
}

function* asLines(source: string, held: Held[]): Generator<ReplayItem> {
  for (const line of held) {
    const item = fromLine(source, line);
    if (item !== undefined) yield item;
  }
}

function fromLine(source: string, line: Held): ReplayItem | undefined {
  if (line.text.trim() === '') return undefined;
  const parsed = parseJson(line.text);
  if (!parsed.ok) return { kind: 'malformed', source, line: line.number, reason: parsed.reason, bytes: line.bytes };
  return toItem(source, line.number, parsed.value, line.bytes);
}

/** A capture line carries its user and the batch as received; anything else is a batch itself. */
function toItem(source: string, line: number, value: unknown, bytes: number): ReplayItem {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'batch')) {
    const { userId, batch, status } = value as { userId?: unknown; batch?: unknown; status?: unknown };
    if (typeof userId === 'string' && userId !== '') {
      return { kind: 'batch', source, line, userId, batch, capturedStatus: typeof status === 'number' ? status : undefined, bytes };
    }
  }
  return { kind: 'batch', source, line, userId: undefined, batch: value, capturedStatus: undefined, bytes };
}

type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

/** The reason names a position only: V8's own message quotes the input, which is private data. */
function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
    return { ok: false, reason: position === null ? 'not valid JSON' : `not valid JSON (at character ${Number(position[1]) + 1})` };
  }
}
