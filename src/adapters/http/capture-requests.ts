import type { Middleware } from 'koa';
import type { Clock } from '../../application/ports.js';
import type { CaptureSink } from '../capture/capture-writer.js';
import { observeAnswer } from './observe-answer.js';

/**
 * Around the sync handler, after authentication and the body parser: one NDJSON line per
 * request whose body parsed as JSON, with the answer's status and the body exactly as
 * received. Never the Authorization header. Raw newlines in valid JSON are only whitespace,
 * so replacing them keeps the body byte-for-byte meaningful without re-serialising it.
 */
export function captureRequests(sink: CaptureSink, clock: Clock): Middleware {
  return async (ctx, next) => {
    const time = clock.now().toISOString();
    await observeAnswer(ctx, next, ({ status }) => {
      const raw = ctx.request.rawBody;
      if (typeof raw === 'string') {
        const head = JSON.stringify({ time, requestId: ctx.state['requestId'], userId: ctx.state['userId'], status });
        sink.write(`${head.slice(0, -1)},"batch":${raw.replace(/[\r\n]/g, ' ')}}`);
      }
    });
  };
}
