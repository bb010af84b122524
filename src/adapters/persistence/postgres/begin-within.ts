import type postgres from 'postgres';
import { ServiceError } from '../../../application/errors.js';

/** Thrown inside a transaction that started after its caller had given up on it. */
class AbandonedTransaction extends Error {}

export interface TransactionDeadlines {
  /** How long to wait for a connection (and BEGIN) before giving up. */
  acquireTimeoutMs: number;
  /** How long the transaction may run, once begun, before the caller stops waiting for it. */
  transactionTimeoutMs: number;
}

/**
 * `sql.begin`, but the caller never waits without end.
 *
 * For a connection: postgres.js has no acquire timeout, and when something in front of the
 * database accepts connections and closes them at once (a proxy, a load balancer, pgbouncer
 * with the server down) it reconnects without end. A transaction that gets its connection
 * after the deadline rolls back before doing anything, so a batch answered 503 is never
 * stored later.
 *
 * For the transaction: a connection that stops answering without closing (a database host
 * that vanished, a network that drops packets) would hold the request until TCP keepalive
 * gives up, many minutes later. After `transactionTimeoutMs` the caller gets a 503 while the
 * transaction goes on unobserved on its connection. It may still commit; that is harmless,
 * since a client resends whatever was not answered 200 and the resend is answered unchanged.
 * What never happens is a 200 for a batch that did not commit.
 */
export async function beginWithin<T>(
  sql: postgres.Sql,
  deadlines: TransactionDeadlines,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  let abandoned = false;
  let giveUp!: (why: string) => void;
  const deadline = new Promise<never>((_resolve, reject) => {
    giveUp = (why) => {
      abandoned = true;
      reject(new ServiceError('storage_unavailable', why));
    };
  });
  let timer = setTimeout(() => giveUp(`no database connection within ${deadlines.acquireTimeoutMs} ms`), deadlines.acquireTimeoutMs);
  const transaction = sql.begin(async (tx) => {
    if (abandoned) throw new AbandonedTransaction();
    clearTimeout(timer);
    timer = setTimeout(
      () => giveUp(`the transaction did not finish within ${deadlines.transactionTimeoutMs} ms`),
      deadlines.transactionTimeoutMs,
    );
    return work(tx);
  }) as Promise<T>;
  // Once given up on, the transaction settles later, unobserved.
  transaction.catch(() => {});
  try {
    return await Promise.race([transaction, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
