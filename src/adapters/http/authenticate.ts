import type { Middleware } from 'koa';
import { AuthError } from '../auth/auth-error.js';

export interface TokenVerifier {
  /** The user id the token names; throws AuthError otherwise. */
  verify(token: string): Promise<string>;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** `Authorization: Bearer <JWT>` only: never a query parameter or a cookie. */
export function authenticate(verifier: TokenVerifier): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (header === '') throw new AuthError('missing_token', 'no Authorization header');
    const match = BEARER.exec(header);
    if (match === null) throw new AuthError('invalid_token', 'the Authorization header is not a Bearer token');
    ctx.state['userId'] = await verifier.verify(match[1] as string);
    await next();
  };
}
