import { ServiceError } from '../../application/errors.js';
import type { SyncBatch } from '../../application/sync-batch.js';
import { ReplayAbortedError } from './replay-errors.js';
import type { ReplayOutcome, ReplayTarget } from './replay-target.js';

/** The same SyncBatch the HTTP adapter calls, so a replay checks and stores exactly as the service does. */
export function useCaseReplayTarget(
  syncBatch: SyncBatch,
  options: { dryRun: boolean; description: string; close?: () => Promise<void> },
): ReplayTarget {
  return {
    description: options.description,
    needsUser: true,
    async send(userId, batch): Promise<ReplayOutcome> {
      if (userId === undefined) throw new ReplayAbortedError('a batch has no user id');
      try {
        const result = await syncBatch.execute(userId, batch, { dryRun: options.dryRun });
        switch (result.status) {
          case 'ok':
            return result;
          case 'rejected':
            return {
              status: 'refused',
              httpStatus: 400,
              code: 'validation_failed',
              message: 'Validation failed for one or more records',
              failures: result.failures,
            };
          case 'too_many_records':
            return {
              status: 'refused',
              httpStatus: 413,
              code: 'too_many_records',
              message: `${result.field} holds more than ${result.limit} records`,
              failures: [],
            };
        }
      } catch (error) {
        // Every ServiceError means the database, not this batch, is the problem: stop here.
        if (error instanceof ServiceError) throw new ReplayAbortedError(`the database failed (${error.code}): ${error.message}`, { cause: error });
        throw error;
      }
    },
    close: options.close ?? (async () => {}),
  };
}
