/**
 * Infrastructure failures the use case cannot turn into a value. Expected outcomes (a bad
 * record, a conflict with another user's id) are results, never these.
 */
export type ServiceErrorCode =
  /** The database cannot be reached or is shutting down: retry later (503). */
  | 'storage_unavailable'
  /** Transient conflicts persisted through every retry: retry later (503). */
  | 'storage_contention'
  /** The database refused a value the domain rules let through (a 400, never a 500). */
  | 'storage_rejected_value'
  /** Anything else (500). */
  | 'storage_failure';

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceError';
  }
}
