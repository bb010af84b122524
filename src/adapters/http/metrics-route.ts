import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';
import { HttpError } from './http-error.js';

/** Prometheus text format; with a token configured, only a scraper that sends it may read. */
export function metricsRoute(registry: Registry, token: string | undefined): Middleware {
  const expected = token === undefined ? undefined : digest(token);
  return async (ctx) => {
    if (expected !== undefined) {
      const match = /^Bearer +(\S+) *$/i.exec(ctx.get('Authorization'));
      // Digests have equal length, so the comparison takes the same time for any guess.
      if (match === null || !timingSafeEqual(digest(match[1] as string), expected)) {
        throw new HttpError(401, 'unauthorized', 'GET /metrics needs the metrics bearer token', {
          'WWW-Authenticate': 'Bearer realm="metrics"',
        });
      }
    }
    ctx.set('Content-Type', registry.contentType);
    ctx.body = await registry.metrics();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
