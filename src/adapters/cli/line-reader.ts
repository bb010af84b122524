export type Line =
  | { number: number; text: string; bytes: number }
  /** The line was longer than the limit: skipped without ever being held in memory whole. */
  | { number: number; tooLong: true; bytes: number };

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines without ever holding more than one line (at most
 * `maxLineBytes`) plus one chunk, so inputs of any size read in bounded memory.
 * `bytes` counts what the line took in the input, for progress.
 */
export async function* readLines(chunks: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let number = 1;
  let consumed = 0;

  const finish = (): Line => {
    const bytes = consumed;
    consumed = 0;
    if (skipping) return { number, tooLong: true, bytes };
    let text = Buffer.concat(parts, size).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (number === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    return { number, text, bytes };
  };

  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < buffer.length) {
      const end = buffer.indexOf(NEWLINE, start);
      const piece = buffer.subarray(start, end === -1 ? buffer.length : end);
      consumed += piece.length + (end === -1 ? 0 : 1);
      if (!skipping) {
        if (size + piece.length > maxLineBytes) {
          skipping = true;
          parts = [];
          size = 0;
        } else if (piece.length > 0) {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (end === -1) break;
      yield finish();
      parts = [];
      size = 0;
      skipping = false;
      number++;
      start = end + 1;
    }
  }
  if (skipping || size > 0) yield finish();
}
