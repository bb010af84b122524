import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';

/**
 * What tokens are checked against. The accepted algorithms follow from the key, so an HS256
 * token is never checked against a public key (algorithm confusion) and `none` never passes.
 */
export type VerificationKey =
  | { kind: 'secret'; key: webcrypto.CryptoKey; algorithms: string[] }
  | { kind: 'public'; key: Awaited<ReturnType<typeof importJWK>> | KeyObject; algorithms: string[] }
  | { kind: 'jwks'; key: JWTVerifyGetKey; algorithms: string[] };

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

/**
 * Imported once, as the WebCrypto key jose verifies with: given raw bytes or a KeyObject,
 * jose imports it again for every token, which was half of the cost of a verification.
 */
export async function secretKey(secret: string): Promise<VerificationKey> {
  const key = await webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return { kind: 'secret', key, algorithms: ['HS256'] };
}

export function jwksKey(url: string): VerificationKey {
  return {
    kind: 'jwks',
    key: createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 }),
    algorithms: ASYMMETRIC_ALGORITHMS,
  };
}

/** A PEM (SPKI) public key or a public JWK, as JWT_PUBLIC_KEY holds it. */
export async function publicKey(text: string): Promise<VerificationKey> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as JWK;
    if (jwk.kty === 'oct' || 'd' in jwk) throw new Error('JWT_PUBLIC_KEY must be a public key, not a secret or private key');
    const algorithm = jwk.alg ?? algorithmForJwk(jwk);
    return { kind: 'public', key: await importJWK(jwk, algorithm), algorithms: [algorithm] };
  }
  // PEM text in an environment variable often has its newlines escaped.
  const keyObject = createPublicKey(trimmed.replace(/\\n/g, '\n'));
  return { kind: 'public', key: keyObject, algorithms: [algorithmForKeyType(keyObject.asymmetricKeyType, keyObject.asymmetricKeyDetails?.namedCurve)] };
}

function algorithmForJwk(jwk: JWK): string {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error(`JWT_PUBLIC_KEY: unsupported key type ${jwk.kty}${jwk.crv ? ` (${jwk.crv})` : ''}`);
}

function algorithmForKeyType(type: string | undefined, curve: string | undefined): string {
  if (type === 'rsa') return 'RS256';
  if (type === 'ec' && curve === 'prime256v1') return 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  throw new Error(`JWT_PUBLIC_KEY: unsupported key type ${type ?? 'unknown'}${curve ? ` (${curve})` : ''}`);
}
