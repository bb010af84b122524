import type { Middleware } from 'koa';

/**
 * A first-come, first-served allowance of bytes. `acquire` waits until the bytes are free;
 * a request bigger than the whole budget waits until it is the only holder, so it is
 * delayed, never refused.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(readonly capacity: number) {}

  async acquire(bytes: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.used += bytes;
    } else {
      await new Promise<void>((admit) => this.waiting.push({ bytes, admit }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.admitWaiting();
    };
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.capacity;
  }

  private admitWaiting(): void {
    for (let next = this.waiting[0]; next !== undefined && this.fits(next.bytes); next = this.waiting[0]) {
      this.waiting.shift();
      this.used += next.bytes;
      next.admit();
    }
  }
}

/**
 * Holds a request back before its body is read until its bytes fit in `budget`, and keeps
 * them reserved until the answer is decided: a parsed batch lives (as the raw text, the
 * parsed JSON and the validated records) for the whole request. Without this, 64 clients
 * sending 5 MiB at once make the service hold well over a gigabyte; with it, the rest wait
 * in their sockets (TCP flow control) at no memory cost. A body that declares its length
 * reserves that length; one that does not, or is compressed, reserves the most it may grow to.
 */
export function bodyMemoryBudget(budget: ByteBudget, maxBodyBytes: number): Middleware {
  return async (ctx, next) => {
    const declared = ctx.request.length;
    const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
    const compressed = encoding !== '' && encoding !== 'identity';
    // Over the limit: the parser refuses it (413) before reading, so it needs no allowance.
    if (!compressed && declared !== undefined && declared > maxBodyBytes) return next();
    const release = await budget.acquire(compressed || declared === undefined ? maxBodyBytes : declared);
    try {
      await next();
    } finally {
      release();
    }
  };
}
