import type { Middleware } from 'koa';

export interface ReadinessCheck {
  /** True when the database answers and its schema is up to date. */
  ready(): Promise<boolean>;
}

export const healthz: Middleware = (ctx) => {
  ctx.body = { status: 'ok' };
};

export function readyz(check: ReadinessCheck): Middleware {
  return async (ctx) => {
    const ready = await check.ready().catch(() => false);
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('Retry-After', '5');
    ctx.body = ready ? { status: 'ready' } : { status: 'unavailable', requestId: ctx.state['requestId'] };
  };
}
