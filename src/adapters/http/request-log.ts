import type { Middleware } from 'koa';
import type { SyncBatchResult } from '../../application/sync-batch.js';
import type { Logger } from '../logger.js';
import { matchedRoute } from './matched-route.js';
import { observeAnswer } from './observe-answer.js';

/**
 * One JSON line per request. It names the route template, never the query string, headers
 * or body: URLs and titles are private browsing data, and the Authorization header holds a
 * token. Failures are logged with their stack by the error handler.
 */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    await observeAnswer(ctx, next, ({ status, code }) => {
      const result = ctx.state['syncResult'] as SyncBatchResult | undefined;
      logger.info(
        {
          requestId: ctx.state['requestId'],
          userId: ctx.state['userId'],
          method: ctx.method,
          route: matchedRoute(ctx),
          status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ...(code === undefined ? {} : { code }),
          ...(result === undefined ? {} : summarize(result)),
        },
        'request',
      );
    });
  };
}

function summarize(result: SyncBatchResult): Record<string, unknown> {
  switch (result.status) {
    case 'ok':
      return { pageVisits: result.pageVisits, tabAggregates: result.tabAggregates };
    case 'rejected': {
      const rejectedCodes: Record<string, number> = {};
      for (const failure of result.failures) rejectedCodes[failure.code] = (rejectedCodes[failure.code] ?? 0) + 1;
      return { rejectedRecords: result.failures.length, rejectedCodes };
    }
    case 'too_many_records':
      return { tooManyRecords: result.field };
  }
}
