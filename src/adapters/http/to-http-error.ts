import { ServiceError } from '../../application/errors.js';
import { AuthError } from '../auth/auth-error.js';
import { HttpError, unavailable } from './http-error.js';

export const AUTH_REALM = 'browsing-sync';

/**
 * Every failure, whatever threw it, becomes one HttpError here. What a person reads says
 * what to do; it never carries SQL, stack traces, paths or secrets.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof AuthError) return fromAuthError(error);
  if (error instanceof ServiceError) return fromServiceError(error);
  return fromBodyReaderError(error) ?? internalError(error);
}

function fromAuthError(error: AuthError): HttpError {
  switch (error.code) {
    case 'missing_token':
      return new HttpError(401, 'unauthorized', 'An Authorization: Bearer access token is required', {
        'WWW-Authenticate': `Bearer realm="${AUTH_REALM}"`,
      });
    case 'invalid_token':
      return new HttpError(401, 'unauthorized', 'The access token is invalid or expired', {
        'WWW-Authenticate': `Bearer realm="${AUTH_REALM}", error="invalid_token"`,
      }, { cause: error });
    case 'auth_unavailable':
      return unavailable('Access tokens cannot be checked right now; retry later', error);
  }
}

function fromServiceError(error: ServiceError): HttpError {
  switch (error.code) {
    case 'storage_unavailable':
    case 'storage_contention':
      return unavailable('The service cannot store data right now; retry later', error);
    case 'storage_rejected_value':
    case 'storage_failure':
      return internalError(error);
  }
}

/** Errors of koa-bodyparser (co-body, raw-body, inflation, zlib) carry an HTTP status or a zlib code. */
function fromBodyReaderError(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, code } = error as { status?: unknown; type?: unknown; code?: unknown };
  if (status === 413 || type === 'entity.too.large') {
    return new HttpError(413, 'payload_too_large', 'The request body is larger than the service accepts', {}, { cause: error });
  }
  if (status === 415) {
    return new HttpError(415, 'unsupported_media_type', 'The body encoding or charset is not supported', {}, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new HttpError(400, 'invalid_json', 'The body could not be decompressed', {}, { cause: error });
  }
  if (error instanceof SyntaxError || status === 400) {
    return new HttpError(400, 'invalid_json', 'The body is not valid JSON', {}, { cause: error });
  }
  return undefined;
}

function internalError(cause: unknown): HttpError {
  return new HttpError(500, 'internal_error', 'An unexpected error occurred; retry later', {}, { cause });
}
