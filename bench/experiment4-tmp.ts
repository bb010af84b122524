import { createBenchDatabase } from './bench-database.js';
import { batchSet, wireBody } from './records.js';
import { runConcurrently } from './summary.js';
import { SyncBatch } from '../src/application/sync-batch.js';
import { PostgresUnitOfWork } from '../src/adapters/persistence/postgres/postgres-unit-of-work.js';
const db = await createBenchDatabase('postgres://postgres@127.0.0.1:5432/postgres', 16);
try {
  const set = batchSet({ seed: 2, batches: 200, perType: 100, users: 100, userPrefix: 'u' });
  const useCase = new SyncBatch(new PostgresUnitOfWork(db.sql), { now: () => new Date() }, { maxRecordsPerType: 1000 });
  const bodies = set.map((b) => wireBody(b).toString());
  for (const c of [1, 16, 1, 16]) {
    await db.truncate();
    const run = () => runConcurrently(set.length, c, async (i) => {
      const r = await useCase.execute(set[i]!.userId, JSON.parse(bodies[i]!));
      if (r.status !== 'ok') throw new Error(JSON.stringify(r));
    });
    const a = await run();
    const b = await run();
    console.log(`c=${c} first ${(a.seconds * 1000 / set.length).toFixed(2)} ms/batch, resend ${(b.seconds * 1000 / set.length).toFixed(2)} ms/batch`);
  }
  const [one] = set;
  const ids = one!.pageVisits.map((v) => v.id);
  console.log((await db.sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS) SELECT s.* FROM unnest($1::uuid[]) i(id) LEFT JOIN page_visits s ON s.id = i.id`, [ids as never])).map((r) => r['QUERY PLAN']).join('\n'));
} finally {
  await db.drop();
}
