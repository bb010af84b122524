import type { Middleware } from 'koa';
import { HttpError } from './http-error.js';

/** How long a refused user should wait. */
export interface Refusal {
  retryAfterMs: number;
}

/** Per-user budgets; null admits. */
export interface UserLimits {
  admitRequest(userId: string): Promise<Refusal | null>;
  admitRecords(userId: string, count: number): Promise<Refusal | null>;
}

export type LimitName = 'requests' | 'records' | 'concurrency';

export function rateLimited(limit: LimitName, retryAfterMs: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const what = { requests: 'requests', records: 'records', concurrency: 'batches at once' }[limit];
  return new HttpError(429, 'rate_limited', `Too many ${what} for this user; retry after ${seconds} s`, {
    'Retry-After': String(seconds),
  });
}

/** After authentication, before the body is read: a refused flood costs no parsing. */
export function requestRateLimit(limits: UserLimits, onRefused: (limit: LimitName) => void): Middleware {
  return async (ctx, next) => {
    const refusal = await limits.admitRequest(ctx.state['userId'] as string);
    if (refusal !== null) {
      onRefused('requests');
      throw rateLimited('requests', refusal.retryAfterMs);
    }
    await next();
  };
}

/** After the body is parsed and before anything is stored: records count against the budget. */
export function recordRateLimit(limits: UserLimits, onRefused: (limit: LimitName) => void): Middleware {
  return async (ctx, next) => {
    const refusal = await limits.admitRecords(ctx.state['userId'] as string, recordsIn(ctx.request.body));
    if (refusal !== null) {
      onRefused('records');
      throw rateLimited('records', refusal.retryAfterMs);
    }
    await next();
  };
}

function recordsIn(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const { pageVisits, tabAggregates } = body as { pageVisits?: unknown; tabAggregates?: unknown };
  return (Array.isArray(pageVisits) ? pageVisits.length : 0) + (Array.isArray(tabAggregates) ? tabAggregates.length : 0);
}
