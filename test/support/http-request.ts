import { SignJWT, type JWTPayload } from 'jose';
import { TEST_SECRET } from './test-app.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or null when the body is empty. */
  body: any;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Bytes are sent as they are, with no Content-Type added. */
  body?: string | Uint8Array;
}

/** One request with full control of method, headers and bytes. */
export async function request(url: string, options: RawRequest = {}): Promise<RawResponse> {
  const response = await fetch(url, {
    method: options.method ?? 'POST',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, text, body };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly the claims given (no defaults), for the authentication rules. */
export function signClaims(claims: JWTPayload, secret = TEST_SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** An unsigned `alg: none` token, which must never pass. */
export function unsecuredToken(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
