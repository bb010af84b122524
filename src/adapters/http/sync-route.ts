import type { Middleware } from 'koa';
import type { SyncBatch } from '../../application/sync-batch.js';
import { HttpError } from './http-error.js';

/** Calls the use case and maps its result to the contract's answers. */
export function syncHandler(syncBatch: SyncBatch): Middleware {
  return async (ctx) => {
    const requestId = ctx.state['requestId'] as string;
    const result = await syncBatch.execute(ctx.state['userId'] as string, ctx.request.body);
    ctx.state['syncResult'] = result;
    switch (result.status) {
      case 'ok':
        ctx.status = 200;
        ctx.body = { status: 'ok', requestId, pageVisits: result.pageVisits, tabAggregates: result.tabAggregates };
        return;
      case 'rejected':
        ctx.status = 400;
        ctx.body = {
          error: 'Validation failed for one or more records',
          code: 'validation_failed',
          requestId,
          failed_records: result.failures,
        };
        return;
      case 'too_many_records':
        throw new HttpError(413, 'too_many_records', `${result.field} holds more than ${result.limit} records; send smaller batches`);
    }
  };
}
