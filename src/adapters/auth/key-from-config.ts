import { join } from 'node:path';
import type { Config } from '../../config.js';
import { DEV_SECRET_FILE, loadOrCreateDevSecret } from './dev-secret.js';
import { jwksKey, publicKey, secretKey, type VerificationKey } from './verification-key.js';

/** The configured key, or (outside production, with none configured) the development secret. */
export async function verificationKeyFromConfig(
  config: Config,
  announceDevSecret: (message: string) => void,
): Promise<VerificationKey> {
  const { auth } = config;
  if (auth.secret !== undefined) return secretKey(auth.secret);
  if (auth.publicKey !== undefined) return publicKey(auth.publicKey);
  if (auth.jwksUrl !== undefined) return jwksKey(auth.jwksUrl);
  const { secret } = await loadOrCreateDevSecret(config.database.dataDir);
  announceDevSecret(
    `No JWT key configured: development tokens are signed with the secret in ${join(config.database.dataDir, DEV_SECRET_FILE)}. ` +
      'Mint one with: npm run token -- --sub alice',
  );
  return secretKey(secret);
}

/** The secret tokens can be minted with here; a public key or JWKS leaves nothing to sign with. */
export async function signingSecretFromConfig(config: Config): Promise<string> {
  const { auth } = config;
  if (auth.secret !== undefined) return auth.secret;
  if (auth.publicKey !== undefined || auth.jwksUrl !== undefined) {
    throw new Error(
      'Tokens cannot be minted here: the service verifies tokens with a public key (JWT_PUBLIC_KEY or JWT_JWKS_URL), ' +
        'and only the authentication service holds the private key.',
    );
  }
  return (await loadOrCreateDevSecret(config.database.dataDir)).secret;
}
