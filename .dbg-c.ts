import { startTcpProxy } from './test/support/tcp-proxy.ts';
import { startEmbeddedPostgres } from './src/adapters/persistence/postgres/embedded-postgres.ts';
import { createSql } from './src/adapters/persistence/postgres/postgres-client.ts';
const e = await startEmbeddedPostgres(undefined);
const p = await startTcpProxy(e.host, e.port);
const sql = createSql({ host: '127.0.0.1', port: p.port, poolMax: 1 });
await sql`create table t (x int)`;
const t0 = Date.now();
const log = (...a: unknown[]) => console.log(Date.now() - t0, ...a);
const tx = sql.begin(async (tx) => { await tx`insert into t values (1)`; await tx`select pg_sleep(0.3)`; await tx`insert into t values (2)`; }).then(() => log('tx ok'), (err) => log('tx err', err.code));
setTimeout(() => { log('reset'); p.resetConnections(); }, 100);
await tx;
const keepAlive = setInterval(() => {}, 1000);
try { log('q', await sql`select count(*) from t`); } catch (err) { log('q err', (err as any).code); }
try { log('q2', await sql`select count(*) from t`); } catch (err) { log('q2 err', (err as any).code); }
clearInterval(keepAlive);
await sql.end({ timeout: 1 }); await p.close(); await e.stop();
