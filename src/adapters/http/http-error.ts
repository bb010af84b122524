/** The `code` of every non-200 body, as the API contract lists them. */
export type HttpErrorCode =
  | 'unauthorized'
  | 'invalid_json'
  | 'validation_failed'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'too_many_records'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal_error';

/** An answer decided by a middleware; the error handler turns it into the response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

export function unavailable(message: string, cause?: unknown): HttpError {
  return new HttpError(503, 'unavailable', message, { 'Retry-After': String(RETRY_AFTER_SECONDS) }, { cause });
}
