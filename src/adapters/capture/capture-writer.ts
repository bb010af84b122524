import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../application/ports.js';
import type { Logger } from '../logger.js';
import { captureFileName } from './capture-file-name.js';

export interface CaptureWriterOptions {
  dir: string;
  /** A file is closed and a new one started before it would grow past this. */
  maxFileBytes: number;
  /** Bytes waiting to be written; a line that does not fit is dropped, never waited for. */
  maxQueueBytes: number;
  clock: Clock;
  logger: Logger;
}

/** What the HTTP adapter needs: hand over a line, never wait, never fail. */
export interface CaptureSink {
  /** False when the line was dropped. */
  write(line: string): boolean;
}

interface Entry {
  text: string;
  bytes: number;
  at: Date;
}

interface OpenFile {
  handle: FileHandle;
  day: string;
  bytes: number;
}

/** Bytes handed to one write call: large enough to amortise syscalls, small enough to bound the copy. */
const WRITE_CHUNK_BYTES = 1024 * 1024;
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Appends NDJSON lines to files in `dir` from one background drain loop, so a request only
 * ever pays for a string push. Files rotate by size and by UTC day; names sort by time and
 * carry the pid, so instances sharing a directory never write to the same file.
 */
export class CaptureWriter implements CaptureSink {
  private queue: Entry[] = [];
  private queuedBytes = 0;
  private droppedLines = 0;
  private writtenLines = 0;
  private draining: Promise<void> | undefined;
  private file: OpenFile | undefined;
  private sequence = 0;
  private closed = false;
  private lastDropLog = -Infinity;
  private madeDir = false;

  constructor(private readonly options: CaptureWriterOptions) {}

  /** Lines dropped because the queue was full, the writer closed, or the disk refused them. */
  get dropped(): number {
    return this.droppedLines;
  }

  get written(): number {
    return this.writtenLines;
  }

  write(line: string): boolean {
    const text = `${line}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.closed || this.queuedBytes + bytes > this.options.maxQueueBytes) {
      this.drop(1, this.closed ? 'capture writer closed' : 'capture queue full');
      return false;
    }
    this.queue.push({ text, bytes, at: this.options.clock.now() });
    this.queuedBytes += bytes;
    this.draining ??= this.drain();
    return true;
  }

  /** Writes what is queued, then closes the current file. Later lines are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
    await this.closeFile();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const chunk = this.takeChunk();
        try {
          await this.append(chunk);
          this.writtenLines += chunk.length;
        } catch (error) {
          // Paths and errno only: a line's content is private browsing data.
          this.options.logger.error({ err: error }, 'capture write failed; lines dropped');
          this.droppedLines += chunk.length;
          await this.closeFile().catch(() => undefined);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Consecutive lines that go to the same file, up to a write's worth. */
  private takeChunk(): Entry[] {
    const first = this.queue[0] as Entry;
    const day = utcDay(first.at);
    let bytes = 0;
    let count = 0;
    for (const entry of this.queue) {
      if (utcDay(entry.at) !== day || (count > 0 && bytes + entry.bytes > WRITE_CHUNK_BYTES)) break;
      bytes += entry.bytes;
      count++;
    }
    const chunk = this.queue.splice(0, count);
    this.queuedBytes -= bytes;
    return chunk;
  }

  private async append(chunk: Entry[]): Promise<void> {
    let pending: string[] = [];
    let pendingBytes = 0;
    for (const entry of chunk) {
      const file = await this.fileFor(entry, pendingBytes);
      if (file === 'rotate') {
        await this.flush(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await this.closeFile();
        await this.openFile(entry.at);
      }
      pending.push(entry.text);
      pendingBytes += entry.bytes;
    }
    await this.flush(pending, pendingBytes);
  }

  private async fileFor(entry: Entry, pendingBytes: number): Promise<'current' | 'rotate'> {
    if (this.file === undefined) {
      await this.openFile(entry.at);
      return 'current';
    }
    const size = this.file.bytes + pendingBytes;
    const full = size > 0 && size + entry.bytes > this.options.maxFileBytes;
    return full || this.file.day !== utcDay(entry.at) ? 'rotate' : 'current';
  }

  private async flush(lines: string[], bytes: number): Promise<void> {
    if (lines.length === 0 || this.file === undefined) return;
    await this.file.handle.write(lines.join(''));
    this.file.bytes += bytes;
  }

  private async openFile(at: Date): Promise<void> {
    if (!this.madeDir) {
      await mkdir(this.options.dir, { recursive: true });
      this.madeDir = true;
    }
    this.sequence++;
    const path = join(this.options.dir, captureFileName(at, process.pid, this.sequence));
    this.file = { handle: await open(path, 'a', 0o600), day: utcDay(at), bytes: 0 };
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.handle.close();
  }

  private drop(count: number, reason: string): void {
    this.droppedLines += count;
    const now = this.options.clock.now().getTime();
    if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.options.logger.warn({ dropped: this.droppedLines, maxQueueBytes: this.options.maxQueueBytes }, `${reason}: capture lines dropped`);
    }
  }
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
