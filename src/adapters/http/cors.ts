import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension|safari-web-extension):\/\/[^/]+$/;

/**
 * Browser extensions call with Authorization and JSON, so they need preflights answered.
 * With no configured list, extension origins are allowed and web origins are not.
 */
export function corsPolicy(allowedOrigins: string[] | undefined): Middleware {
  const allowed = (origin: string) =>
    allowedOrigins === undefined ? EXTENSION_ORIGIN.test(origin) : allowedOrigins.includes(origin);
  return cors({
    origin: (ctx: Context) => {
      const origin = ctx.get('Origin');
      return origin !== '' && allowed(origin) ? origin : '';
    },
    allowMethods: ['POST', 'GET', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'X-Request-Id'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
    maxAge: 600,
  });
}
