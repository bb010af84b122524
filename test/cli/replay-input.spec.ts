import { expect } from 'chai';
import { readLines } from '../../src/adapters/cli/line-reader.js';
import { readReplayInput, type InputSource, type ReplayItem } from '../../src/adapters/cli/replay-input.js';

function source(chunks: string[]): InputSource {
  return { name: 'in', size: undefined, open: () => (async function* () { for (const chunk of chunks) yield Buffer.from(chunk); })() };
}

async function read(chunks: string[], maxLineBytes = 1000): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const item of readReplayInput([source(chunks)], maxLineBytes)) items.push(item);
  return items;
}

const summary = (items: ReplayItem[]) => items.map((item) => (item.kind === 'batch' ? [item.line, item.userId ?? null, item.batch] : [item.line, 'malformed']));

describe('replay input', () => {
  it('splits lines across chunk boundaries, with CRLF, a BOM and blank lines', async () => {
    const items = await read(['\uFEFF{"a"', ':1}\r\n\n{"b":', '2}\n', '{"c":3}']);
    expect(summary(items)).to.deep.equal([
      [1, null, { a: 1 }],
      [3, null, { b: 2 }],
      [4, null, { c: 3 }],
    ]);
  });

  it('reads a capture line\'s user and batch, and anything else as a batch', async () => {
    const items = await read(['{"time":"t","requestId":"r","userId":"alice","status":200,"batch":{"pageVisits":[]}}\n{"pageVisits":[]}\n']);
    expect(summary(items)).to.deep.equal([
      [1, 'alice', { pageVisits: [] }],
      [2, null, { pageVisits: [] }],
    ]);
    expect(items[0]).to.include({ capturedStatus: 200 });
  });

  it('reads a pretty-printed document as one batch at its first line', async () => {
    const items = await read(['\n{\n  "pageVisits": [\n', '  ]\n}\n']);
    expect(summary(items)).to.deep.equal([[2, null, { pageVisits: [] }]]);
  });

  it('falls back to lines when a broken first line is not the start of a document', async () => {
    const items = await read(['{"pageVisits": [\n{"b":2}\n{"c":3}\n']);
    expect(summary(items)).to.deep.equal([
      [1, 'malformed'],
      [2, null, { b: 2 }],
      [3, null, { c: 3 }],
    ]);
  });

  it('reports an unreadable document once, and a malformed line without quoting it', async () => {
    const document = await read(['{\n "secret-url": \n']);
    expect(summary(document)).to.deep.equal([[1, 'malformed']]);
    const lines = await read(['{"a":1}\n{"https://private.example/": oops}\n']);
    const bad = lines[1] as Extract<ReplayItem, { kind: 'malformed' }>;
    expect(bad.reason).to.match(/^not valid JSON/);
    expect(bad.reason).not.to.include('private');
  });

  it('skips a line longer than the limit without holding it, and goes on', async () => {
    const long = 'x'.repeat(300);
    const items = await read(['{"a":1}\n"', long, long, long, '"\n{"b":2}\n'], 500);
    expect(summary(items)).to.deep.equal([
      [1, null, { a: 1 }],
      [2, 'malformed'],
      [3, null, { b: 2 }],
    ]);
    expect((items[1] as { reason: string }).reason).to.include('longer than 500 bytes');
  });

  it('counts every byte of the input for progress', async () => {
    const text = '{"a":1}\r\n\n{"b":2}\n{"c":3}';
    let bytes = 0;
    for await (const line of readLines(source([text]).open(), 100)) bytes += line.bytes;
    expect(bytes).to.equal(Buffer.byteLength(text));
  });
});
