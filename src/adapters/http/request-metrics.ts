import type { Middleware } from 'koa';
import type { SyncBatchResult } from '../../application/sync-batch.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import { matchedRoute } from './matched-route.js';
import { observeAnswer } from './observe-answer.js';

/** Request count and latency by route template and status, and what sync batches did. */
export function requestMetrics(metrics: ServiceMetrics): Middleware {
  return async (ctx, next) => {
    const stopTimer = metrics.httpDuration.startTimer();
    await observeAnswer(ctx, next, ({ status }) => {
      const labels = { route: matchedRoute(ctx), method: ctx.method, status: String(status) };
      stopTimer(labels);
      metrics.httpRequests.inc(labels);
      const result = ctx.state['syncResult'] as SyncBatchResult | undefined;
      if (result !== undefined) metrics.observeSyncResult(result);
    });
  };
}
