export type AuthErrorCode =
  /** No `Authorization: Bearer` header (401 without error="invalid_token"). */
  | 'missing_token'
  /** Malformed, expired, wrongly signed or otherwise unacceptable token (401). */
  | 'invalid_token'
  /** The key set could not be fetched, so the token could not be judged (503). */
  | 'auth_unavailable';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthError';
  }
}
