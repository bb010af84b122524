import type { Middleware } from 'koa';
import { RETRY_AFTER_SECONDS } from './http-error.js';

export interface ReadinessCheck {
  /** True when the database answers and its schema is up to date. */
  ready(): Promise<boolean>;
}

export const healthz: Middleware = (ctx) => {
  ctx.body = { status: 'ok' };
};

/** A probe must answer even when the database hangs rather than fails. */
const READINESS_TIMEOUT_MS = 2_000;

export function readyz(check: ReadinessCheck): Middleware {
  return async (ctx) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
    });
    const ready = await Promise.race([check.ready().catch(() => false), timedOut]);
    clearTimeout(timer);
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    // A 503 carries the contract's error fields too, so every client reads every error alike.
    ctx.body = ready
      ? { status: 'ready' }
      : { status: 'unavailable', error: 'The database is not ready; retry later', code: 'unavailable', requestId: ctx.state['requestId'] };
  };
}
