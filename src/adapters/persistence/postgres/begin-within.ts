import type postgres from 'postgres';
import { ServiceError } from '../../../application/errors.js';

/** Thrown inside a transaction that started after its caller had given up on it. */
class AbandonedTransaction extends Error {}

/**
 * `sql.begin`, but the caller stops waiting for a connection after `timeoutMs`.
 *
 * postgres.js has no acquire timeout, and when something in front of the database accepts
 * connections and closes them at once (a proxy, a load balancer, pgbouncer with the server
 * down) it reconnects without end and the transaction waits for ever. A transaction that
 * gets its connection after the deadline rolls back before doing anything, so a batch
 * answered 503 is never stored later.
 */
export async function beginWithin<T>(
  sql: postgres.Sql,
  timeoutMs: number,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  let started = false;
  let abandoned = false;
  const transaction = sql.begin(async (tx) => {
    if (abandoned) throw new AbandonedTransaction();
    started = true;
    return work(tx);
  }) as Promise<T>;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      if (started) return;
      abandoned = true;
      // The abandoned transaction settles later, unobserved.
      transaction.catch(() => {});
      reject(new ServiceError('storage_unavailable', `no database connection within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([transaction, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
