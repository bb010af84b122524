import { ServiceError } from '../../../application/errors.js';

/**
 * The one place where postgres.js errors and SQLSTATE codes become the service's errors.
 * `transient` errors are worth retrying the whole transaction for.
 */
export type SqlErrorClass = 'transient' | 'unavailable' | 'rejected_value' | 'failure';

/**
 * 40001/40P01: serialization failure and deadlock. 23505: the upserts insert only the ids
 * their snapshot did not show, so a unique violation means another transaction committed one
 * of them in the meantime; the retry sees that row, and skips any such row (InsertConflicts).
 */
const TRANSIENT = new Set(['40001', '40P01', '23505']);
const UNAVAILABLE = new Set([
  // 42P01: the schema is not there yet (migrations still pending); it will be.
  '42P01',
  '57P01', '57P02', '57P03', '53300', '3D000', '28000', '28P01', '25006',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
]);

export function classifySqlError(error: unknown): SqlErrorClass {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return 'failure';
  if (TRANSIENT.has(code)) return 'transient';
  // Class 08: connection exceptions.
  if (UNAVAILABLE.has(code) || code.startsWith('08')) return 'unavailable';
  // Class 22: data exceptions; 23514/23502: a CHECK or NOT NULL the domain should have caught.
  if (code.startsWith('22') || code === '23514' || code === '23502') return 'rejected_value';
  return 'failure';
}

/** Errors from postgres.js (SQLSTATE or connection codes); anything else is not ours to map. */
export function isDatabaseError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && !(error instanceof ServiceError);
}

export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  switch (classifySqlError(error)) {
    case 'transient':
      return new ServiceError('storage_contention', 'the database kept reporting conflicts', { cause: error });
    case 'unavailable':
      return new ServiceError('storage_unavailable', 'the database is unavailable', { cause: error });
    case 'rejected_value':
      return new ServiceError('storage_rejected_value', 'the database refused a value', { cause: error });
    case 'failure':
      return new ServiceError('storage_failure', 'the database failed', { cause: error });
  }
}
