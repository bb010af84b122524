import { errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthError } from './auth-error.js';
import type { VerificationKey } from './verification-key.js';

export interface JwtVerifierOptions {
  issuer: string | undefined;
  audience: string | undefined;
  clockToleranceSeconds: number;
}

/** Turns a bearer token into the user id it names, or says precisely why it cannot. */
export class JwtVerifier {
  constructor(
    private readonly key: VerificationKey,
    private readonly options: JwtVerifierOptions,
  ) {}

  async verify(token: string): Promise<string> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.key.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: this.options.clockToleranceSeconds,
        ...(this.options.issuer === undefined ? {} : { issuer: this.options.issuer }),
        ...(this.options.audience === undefined ? {} : { audience: this.options.audience }),
      };
      ({ payload } =
        this.key.kind === 'jwks' ? await jwtVerify(token, this.key.key, options) : await jwtVerify(token, this.key.key, options));
    } catch (error) {
      if (this.key.kind === 'jwks' && isKeySetUnavailable(error)) {
        throw new AuthError('auth_unavailable', 'the signing keys could not be fetched', { cause: error });
      }
      throw new AuthError('invalid_token', 'the access token is invalid', { cause: error });
    }
    return userIdOf(payload.sub as unknown);
  }
}

/** `sub` is a non-empty string or an integer (used as its decimal string), storable as-is. */
function userIdOf(sub: unknown): string {
  const userId = typeof sub === 'number' && Number.isSafeInteger(sub) ? String(sub) : sub;
  if (
    typeof userId !== 'string' || userId.length === 0 || userId.length > 255 ||
    !userId.isWellFormed() || userId.includes('\u0000')
  ) {
    throw new AuthError('invalid_token', 'the access token has no usable subject');
  }
  return userId;
}

function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // A failed fetch surfaces as a plain error; a non-200 answer as a generic JOSE error.
  if (!(error instanceof errors.JOSEError)) return true;
  return error.code === 'ERR_JOSE_GENERIC';
}
