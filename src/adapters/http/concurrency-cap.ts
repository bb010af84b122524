import type { Middleware } from 'koa';
import { rateLimited, type LimitName } from './rate-limit.js';

/**
 * At most `max` batches of one user in flight at once (0: no cap), so one client cannot
 * hold every database connection. Counted per instance.
 */
export function concurrentBatchCap(max: number, onRefused: (limit: LimitName) => void): Middleware {
  const inFlight = new Map<string, number>();
  return async (ctx, next) => {
    if (max === 0) return next();
    const userId = ctx.state['userId'] as string;
    const running = inFlight.get(userId) ?? 0;
    if (running >= max) {
      onRefused('concurrency');
      throw rateLimited('concurrency', 1000);
    }
    inFlight.set(userId, running + 1);
    try {
      await next();
    } finally {
      const left = (inFlight.get(userId) ?? 1) - 1;
      if (left === 0) inFlight.delete(userId);
      else inFlight.set(userId, left);
    }
  };
}
