import { SignJWT } from 'jose';

export interface TokenClaims {
  sub: string;
  ttlSeconds: number;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** Mints HS256 access tokens for development and tests; production tokens come from the auth service. */
export function signToken(secret: string, claims: TokenClaims): Promise<string> {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds);
  if (claims.issuer !== undefined) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
