import type { Middleware } from 'koa';
import { HttpError } from './http-error.js';

/** Registered after a path's real handlers: any other method gets 405 with `Allow`. */
export function methodNotAllowed(allowed: string[]): Middleware {
  const allow = allowed.join(', ');
  return async (ctx) => {
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allow);
      ctx.status = 204;
      return;
    }
    throw new HttpError(405, 'method_not_allowed', `Use ${allow} on ${ctx.path}`, { Allow: allow });
  };
}
