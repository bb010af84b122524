import type { RecordCounts } from '../../application/sync-batch.js';
import type { FailedRecord } from '../../domain/failed-record.js';

/** What became of one replayed batch, whichever way it travelled. */
export type ReplayOutcome =
  | { status: 'ok'; pageVisits: RecordCounts; tabAggregates: RecordCounts }
  | {
      status: 'refused';
      /** The HTTP status the service answers (or would answer) for it. */
      httpStatus: number;
      code: string;
      message: string;
      failures: FailedRecord[];
    };

/** Where batches go: the use case in this process, or a running service over HTTP. */
export interface ReplayTarget {
  readonly description: string;
  /** True when each batch needs a user id of its own (the use case); false when a token decides. */
  readonly needsUser: boolean;
  /** Throws ReplayAbortedError when no later batch could succeed either. */
  send(userId: string | undefined, batch: unknown): Promise<ReplayOutcome>;
  close(): Promise<void>;
}
