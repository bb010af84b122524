import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { HttpError } from './http-error.js';
import { toHttpError } from './to-http-error.js';

/** First in the chain: whatever happens below, the client gets the contract's JSON error. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) {
        throw new HttpError(404, 'not_found', `No route for ${ctx.path}`);
      }
    } catch (thrown) {
      const error = toHttpError(thrown);
      if (error.status >= 500) {
        logger.error({ err: error.cause ?? error, requestId: ctx.state['requestId'] }, 'request failed');
      }
      ctx.set(error.headers);
      ctx.status = error.status;
      ctx.body = { error: error.message, code: error.code, requestId: ctx.state['requestId'] };
    }
  };
}
