import bodyParser from 'koa-bodyparser';
import type { Middleware } from 'koa';
import { bodyMemoryBudget, ByteBudget } from './body-memory-budget.js';
import { HttpError } from './http-error.js';

const ACCEPTED_ENCODINGS = new Set(['identity', 'gzip', 'deflate']);

/** Media type and encoding are checked before a byte of the body is read. */
function requireJson(): Middleware {
  return async (ctx, next) => {
    // Not ctx.is(): it answers null for an empty body, which is a JSON error (400), not a media type one.
    if (ctx.request.type.trim().toLowerCase() !== 'application/json') {
      throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json');
    }
    const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
    if (encoding !== '' && !ACCEPTED_ENCODINGS.has(encoding)) {
      throw new HttpError(415, 'unsupported_media_type', 'Content-Encoding must be identity, gzip or deflate');
    }
    // Content codings are case-insensitive (RFC 9110), but the body reader matches lower case only.
    if (encoding !== '') ctx.req.headers['content-encoding'] = encoding;
    await next();
  };
}

/** Fails with an empty body too: an empty body is not JSON. */
function requireContent(): Middleware {
  return async (ctx, next) => {
    if ((ctx.request.rawBody ?? '').trim() === '') {
      throw new HttpError(400, 'invalid_json', 'The body is empty; a JSON object is expected');
    }
    await next();
  };
}

/**
 * The limit applies to the decompressed body. Any JSON value is accepted here so that a
 * well-formed non-object body is a validation failure (400 validation_failed) rather than
 * a syntax error; `__proto__` keys are dropped, never applied.
 */
export function jsonBody(maxBytes: number): Middleware[] {
  // onProtoPoisoning is co-body's option, passed through by koa-bodyparser but not in its types.
  const options: bodyParser.Options & { onProtoPoisoning: 'remove' } = {
    enableTypes: ['json'],
    jsonLimit: String(maxBytes),
    strict: false,
    onProtoPoisoning: 'remove',
  };
  const parser = bodyParser(options);
  // Bodies being read or worked on at once, in bytes: room for every standard and large
  // batch of a busy instance, but only a few bodies of the maximum size (see docs/performance.md).
  const budget = new ByteBudget(2 * maxBytes + 2 * 1024 * 1024);
  return [requireJson(), bodyMemoryBudget(budget, maxBytes), parser, requireContent()];
}
