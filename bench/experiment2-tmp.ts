import { batchSet, wireBody } from './records.js';
import { parseBatch } from '../src/domain/batch.js';
import { pageVisitSchema } from '../src/domain/page-visit.js';
import { tabAggregateSchema } from '../src/domain/tab-aggregate.js';
const set = batchSet({ seed: 2, batches: 200, perType: 100, users: 100, userPrefix: 'u' });
const parsed = set.map((b) => JSON.parse(wireBody(b).toString()));
for (let r = 0; r < 5; r++) {
  let t = performance.now();
  for (const p of parsed) parseBatch(p, { maxRecordsPerType: 1000 });
  console.log('parseBatch ms/batch', ((performance.now() - t) / parsed.length).toFixed(3));
  t = performance.now();
  for (const p of parsed) for (const v of p.pageVisits) pageVisitSchema.safeParse(v);
  console.log('  pv only', ((performance.now() - t) / parsed.length).toFixed(3));
  t = performance.now();
  for (const p of parsed) for (const v of p.tabAggregates) tabAggregateSchema.safeParse(v);
  console.log('  ta only', ((performance.now() - t) / parsed.length).toFixed(3));
}
