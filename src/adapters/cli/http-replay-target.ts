import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordCounts } from '../../application/sync-batch.js';
import type { FailedRecord } from '../../domain/failed-record.js';
import { SYNC_PATH } from '../http/http-app.js';
import { ReplayAbortedError } from './replay-errors.js';
import type { ReplayOutcome, ReplayTarget } from './replay-target.js';
import { retryAfterMs } from './retry-after.js';

export interface HttpReplayTargetOptions {
  /** The service's base URL, or the sync endpoint's full URL. */
  url: string;
  token: string;
  /** Further attempts after a 429, 503 or network failure, before giving up. */
  retries: number;
  /** The longest single wait, whatever Retry-After asks for. */
  maxWaitMs?: number;
  wait?: (ms: number) => Promise<void>;
}

const DEFAULT_MAX_WAIT_MS = 60_000;

/** Replays as a client does: POST each batch with the token, wait when asked, give up after `retries`. */
export function httpReplayTarget(options: HttpReplayTargetOptions): ReplayTarget {
  const endpoint = syncEndpoint(options.url);
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const backoff = (attempt: number) => Math.min(maxWaitMs, 1000 * 2 ** attempt);

  return {
    description: endpoint.origin,
    needsUser: false,
    async send(_userId, batch): Promise<ReplayOutcome> {
      const body = JSON.stringify(batch) ?? 'null';
      for (let attempt = 0; ; attempt++) {
        let response: Response;
        try {
          response = await fetch(endpoint, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.token}` },
            body,
          });
        } catch (error) {
          if (attempt < options.retries) {
            await wait(backoff(attempt));
            continue;
          }
          const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
          throw new ReplayAbortedError(`cannot reach ${endpoint.origin}: ${reason}`, { cause: error });
        }
        const answer = await readJson(response);
        if (response.status === 429 || response.status === 503) {
          if (attempt < options.retries) {
            await wait(Math.min(maxWaitMs, retryAfterMs(response.headers.get('Retry-After'), new Date()) ?? backoff(attempt)));
            continue;
          }
          throw new ReplayAbortedError(`${endpoint.origin} still answers ${response.status} after ${options.retries} retries`);
        }
        if (response.status === 401) {
          throw new ReplayAbortedError(`${endpoint.origin} refused the token (401): ${text(answer['error']) ?? 'unauthorized'}`);
        }
        if (response.status === 200) {
          return { status: 'ok', pageVisits: countsOf(answer['pageVisits']), tabAggregates: countsOf(answer['tabAggregates']) };
        }
        return {
          status: 'refused',
          httpStatus: response.status,
          code: text(answer['code']) ?? `http_${response.status}`,
          message: text(answer['error']) ?? response.statusText,
          failures: Array.isArray(answer['failed_records']) ? (answer['failed_records'] as FailedRecord[]) : [],
        };
      }
    },
    async close() {},
  };
}

/** A base URL gets the sync path appended (keeping any prefix a proxy adds); the full endpoint is kept. */
export function syncEndpoint(url: string): URL {
  const endpoint = new URL(url);
  if (!endpoint.pathname.endsWith(SYNC_PATH)) endpoint.pathname = endpoint.pathname.replace(/\/+$/, '') + SYNC_PATH;
  return endpoint;
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  const body = await response.text();
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function countsOf(value: unknown): RecordCounts {
  const source = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const n = (key: string) => (typeof source[key] === 'number' ? (source[key] as number) : 0);
  return { received: n('received'), inserted: n('inserted'), updated: n('updated'), unchanged: n('unchanged') };
}
