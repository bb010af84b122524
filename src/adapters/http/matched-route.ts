import type { Context } from 'koa';

/**
 * The route template @koa/router matched (never the raw path, which would let clients
 * create unbounded label values and could carry data).
 */
export function matchedRoute(ctx: Context): string {
  const route = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : 'unmatched';
}
