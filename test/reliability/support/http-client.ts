import { signToken } from '../../../src/adapters/auth/token-signer.js';

/**
 * Requests to a running service with fetch (keep-alive by default in Node). Bodies are
 * sent as given (text or bytes), so tests control every byte and header.
 */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON (which the contract never allows). */
  json: any;
}

export const SYNC_PATH = '/api/v1/data/sync';

export async function post(
  baseUrl: string,
  token: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const send = () =>
    fetch(`${baseUrl}${SYNC_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
      body,
      ...(signal === undefined ? {} : { signal }),
    });
  let response: Response;
  try {
    response = await send();
  } catch (error) {
    // A pooled keep-alive socket that the server closed for idleness just as it was reused:
    // the request never reached the service. The extension retries such a network error;
    // so does the test, once. Fault tests use their own retry loop (load.ts).
    if (!isConnectionReset(error)) throw error;
    response = await send();
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function tokenFor(secret: string, sub: string, ttlSeconds = 3600): Promise<string> {
  return signToken(secret, { sub, ttlSeconds, issuer: undefined, audience: undefined });
}

function isConnectionReset(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return error instanceof TypeError && ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(String(cause?.code));
}
