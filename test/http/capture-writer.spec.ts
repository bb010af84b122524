import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_FILE_PATTERN } from '../../src/adapters/capture/capture-file-name.js';
import { CaptureWriter } from '../../src/adapters/capture/capture-writer.js';
import { createLogger } from '../../src/adapters/logger.js';

const logger = createLogger('silent');

function fixedClock(iso: string) {
  const clock = { at: new Date(iso), now: () => clock.at };
  return clock;
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function allLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of await files(dir)) lines.push(...(await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean));
  return lines;
}

describe('CaptureWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capture-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends lines in order and flushes them all on close', async () => {
    const writer = new CaptureWriter({ dir, maxFileBytes: 1 << 20, maxQueueBytes: 1 << 20, clock: fixedClock('2026-12-03T10:00:00Z'), logger });
    for (let i = 0; i < 500; i++) expect(writer.write(JSON.stringify({ i }))).to.equal(true);
    await writer.close();

    expect((await allLines(dir)).map((line) => JSON.parse(line).i)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i));
    expect(writer.written).to.equal(500);
    expect(writer.dropped).to.equal(0);
    const [name] = await files(dir);
    expect(name).to.match(CAPTURE_FILE_PATTERN);
    expect(name).to.include('20261203T100000Z');
  });

  it('rotates before a file would pass the size limit, keeping every line whole', async () => {
    const writer = new CaptureWriter({ dir, maxFileBytes: 1000, maxQueueBytes: 1 << 20, clock: fixedClock('2026-12-03T10:00:00Z'), logger });
    const line = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(280) });
    for (let i = 0; i < 10; i++) writer.write(line(i));
    await writer.close();

    const names = await files(dir);
    expect(names.length).to.be.greaterThan(3);
    for (const name of names) expect((await stat(join(dir, name))).size).to.be.at.most(1000);
    expect((await allLines(dir)).map((text) => JSON.parse(text).i)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('starts a new file when the UTC day changes', async () => {
    const clock = fixedClock('2026-12-03T23:59:59.900Z');
    const writer = new CaptureWriter({ dir, maxFileBytes: 1 << 20, maxQueueBytes: 1 << 20, clock, logger });
    writer.write('{"day":3}');
    clock.at = new Date('2026-12-04T00:00:00.100Z');
    writer.write('{"day":4}');
    await writer.close();

    const names = await files(dir);
    expect(names).to.have.length(2);
    expect(await readFile(join(dir, names[0]!), 'utf8')).to.equal('{"day":3}\n');
    expect(names[1]).to.include('20261204T000000Z');
    expect(await readFile(join(dir, names[1]!), 'utf8')).to.equal('{"day":4}\n');
  });

  it('drops and counts lines when the queue is full, without waiting', async () => {
    const writer = new CaptureWriter({ dir, maxFileBytes: 1 << 20, maxQueueBytes: 1000, clock: fixedClock('2026-12-03T10:00:00Z'), logger });
    const line = 'y'.repeat(99); // 100 bytes with its newline: ten fit
    const accepted = Array.from({ length: 25 }, () => writer.write(line)).filter(Boolean).length;
    await writer.close();

    // Ten wait in the queue; the first may already be in the writer's hands.
    expect(accepted).to.be.within(10, 11);
    expect(writer.dropped).to.equal(25 - accepted);
    expect(await allLines(dir)).to.have.length(accepted);
    expect(writer.write(line), 'after close').to.equal(false);
    expect(writer.dropped).to.equal(26 - accepted);
  });

  it('counts lines it cannot write as dropped and never throws', async () => {
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const writer = new CaptureWriter({ dir: notADir, maxFileBytes: 1 << 20, maxQueueBytes: 1 << 20, clock: fixedClock('2026-12-03T10:00:00Z'), logger });
    expect(writer.write('{}')).to.equal(true);
    await writer.close();
    expect(writer.dropped).to.equal(1);
    expect(writer.written).to.equal(0);
  });
});
