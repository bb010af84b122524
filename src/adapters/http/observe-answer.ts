import type { Context, Next } from 'koa';
import { toHttpError } from './to-http-error.js';

export interface Answer {
  status: number;
  /** The error code of a thrown failure; undefined for answers written by a handler. */
  code: string | undefined;
}

/**
 * Runs the rest of the chain and hands `settled` the answer the client will get. A thrown
 * failure is seen as the error handler (further out) will map it; it is thrown on untouched.
 * For the middlewares that observe every request: the log line, the metrics, the capture.
 */
export async function observeAnswer(ctx: Context, next: Next, settled: (answer: Answer) => void): Promise<void> {
  let thrown: Answer | undefined;
  try {
    await next();
  } catch (error) {
    const mapped = toHttpError(error);
    thrown = { status: mapped.status, code: mapped.code };
    throw error;
  } finally {
    settled(thrown ?? { status: ctx.status, code: undefined });
  }
}
