import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { pageVisit, tabAggregate } from '../../support/records.js';
import { count } from './figures.js';
import { post, tokenFor } from './http-client.js';

/**
 * A load of batches sent the way the extension sends them: one user's batches one after
 * another, each retried until it is answered 200 (after a 503, a network error or a
 * refused connection), and only then forgotten.
 */
export interface LoadBatch {
  user: string;
  body: string;
  pageVisitIds: string[];
  tabAggregateIds: string[];
  acknowledged: boolean;
}

export interface LoadOptions {
  users: number;
  batchesPerUser: number;
  recordsPerBatch: number;
  secret: string;
  tag: string;
}

export interface Load {
  batches: LoadBatch[];
  tokens: Map<string, string>;
}

export async function makeLoad(options: LoadOptions): Promise<Load> {
  const batches: LoadBatch[] = [];
  const tokens = new Map<string, string>();
  for (let u = 0; u < options.users; u++) {
    const user = `${options.tag}-${u}-${randomUUID().slice(0, 8)}`;
    tokens.set(user, await tokenFor(options.secret, user));
    for (let b = 0; b < options.batchesPerUser; b++) {
      const visits = Array.from({ length: options.recordsPerBatch }, (_, i) =>
        pageVisit({ url: `https://example.com/${user}/${b}/${i}`, title: `batch ${b} record ${i}` }),
      );
      const aggregates = visits.map((v, i) => tabAggregate(v.id, { total_time_seconds: 100 + i, active_time_seconds: i }));
      batches.push({
        user,
        body: JSON.stringify({ pageVisits: visits, tabAggregates: aggregates }),
        pageVisitIds: visits.map((v) => v.id),
        tabAggregateIds: aggregates.map((a) => a.id),
        acknowledged: false,
      });
    }
  }
  return { batches, tokens };
}

export interface UnexpectedAnswer {
  user: string;
  status: number;
  body: string;
}

export interface ClientRun {
  /** Answers other than 200, 503 or a failed connection: each is a bug (a needless 500, a wrong 400). */
  unexpected: UnexpectedAnswer[];
  retries: number;
  /** Set to true to make every client stop after its current request. */
  stop: { requested: boolean };
  done: Promise<void>;
}

const CLIENT_TIMEOUT_MS = 30_000;

/** Starts one client per user. `baseUrl` is read before each request, so it may change. */
export function runClients(load: Load, baseUrl: () => string, retryDelayMs = 50): ClientRun {
  const run: ClientRun = { unexpected: [], retries: 0, stop: { requested: false }, done: Promise.resolve() };
  const byUser = new Map<string, LoadBatch[]>();
  for (const batch of load.batches) byUser.set(batch.user, [...(byUser.get(batch.user) ?? []), batch]);
  const client = async (user: string, batches: LoadBatch[]) => {
    for (const batch of batches) {
      while (!batch.acknowledged && !run.stop.requested) {
        let status = 0;
        let body = '';
        try {
          count('requestsSent');
          // Like the extension, a client that gets no answer in time gives up and retries later
          // (not a 200, so nothing may be assumed stored); counted, so a hang stays visible.
          const answer = await post(baseUrl(), load.tokens.get(user) as string, batch.body, {}, AbortSignal.timeout(CLIENT_TIMEOUT_MS));
          status = answer.status;
          body = answer.text;
        } catch (error) {
          if ((error as { name?: string }).name === 'TimeoutError') count('requestsTimedOut');
          status = 0; // connection refused, reset or timed out: not an answer, retry
        }
        if (status === 200) {
          batch.acknowledged = true;
          count('batchesAcknowledged');
        } else {
          if (status !== 503 && status !== 0) run.unexpected.push({ user, status, body: body.slice(0, 300) });
          run.retries++;
          await sleep(retryDelayMs * (0.5 + Math.random()));
        }
      }
    }
  };
  run.done = Promise.all([...byUser].map(([user, batches]) => client(user, batches))).then(() => {});
  return run;
}

export interface AuditResult {
  acknowledged: number;
  present: number;
  absent: number;
  /** Acknowledged (answered 200) but not entirely stored. */
  lost: number;
  /** Some of a batch's rows stored, some not. */
  partial: number;
  rows: number;
}

/**
 * Reads every row the load could have written and checks each batch is all there or not
 * there at all, and all there when it was acknowledged.
 */
export async function auditLoad(sql: postgres.Sql, load: Load): Promise<AuditResult> {
  const result: AuditResult = { acknowledged: 0, present: 0, absent: 0, lost: 0, partial: 0, rows: 0 };
  const pvIds = load.batches.flatMap((b) => b.pageVisitIds);
  const taIds = load.batches.flatMap((b) => b.tabAggregateIds);
  // One snapshot for both tables: a batch committing between two reads would look partial.
  const [pvRows, taRows] = await sql.begin('isolation level repeatable read read only', async (tx) => [
    await tx<{ id: string; user_id: string }[]>`
      SELECT id::text, user_id FROM page_visits WHERE id = ANY(${pvIds}::uuid[])
    `,
    await tx<{ id: string; user_id: string }[]>`
      SELECT id::text, user_id FROM tab_aggregates WHERE id = ANY(${taIds}::uuid[])
    `,
  ]);
  const pv = new Map(pvRows.map((r) => [r.id, r]));
  const ta = new Map(taRows.map((r) => [r.id, r]));
  result.rows = pv.size + ta.size;
  count('rowsAudited', result.rows);
  for (const batch of load.batches) {
    const found =
      batch.pageVisitIds.filter((id) => pv.get(id)?.user_id === batch.user).length +
      batch.tabAggregateIds.filter((id) => ta.get(id)?.user_id === batch.user).length;
    const all = batch.pageVisitIds.length + batch.tabAggregateIds.length;
    if (batch.acknowledged) result.acknowledged++;
    if (found === all) result.present++;
    else if (found === 0) result.absent++;
    else result.partial++;
    if (batch.acknowledged && found !== all) result.lost++;
  }
  count('lost', result.lost);
  count('partiallyStored', result.partial);
  return result;
}
