import { randomBytes } from 'node:crypto';
import { signToken } from '../src/adapters/auth/token-signer.js';
import { createBenchDatabase } from './bench-database.js';
import { SyncClient } from './http-load.js';
import { largeBody, wireBody } from './records.js';
import { memoryOf, sampleRss, startService } from './service-process.js';
const secret = randomBytes(32).toString('hex');
const bodies = Array.from({ length: 64 }, (_, i) => largeBody(100 + i, 1000, 5 * 1024 * 1024 - 16 * 1024));
const reqs = await Promise.all(bodies.map(async (b) => ({ token: await signToken(secret, { sub: b.userId, ttlSeconds: 3600 }), body: wireBody(b) })));
const db = await createBenchDatabase('postgres://postgres@127.0.0.1:5432/postgres', 4);
const service = await startService({ databaseUrl: db.url, jwtSecret: secret, poolMax: undefined, cpuProfileDir: undefined, nodeFlags: (process.env['FLAGS'] ?? '').split(' ').filter(Boolean) });
try {
  console.log('idle', memoryOf(service.pid));
  const rss = sampleRss(service.pid);
  const client = new SyncClient(service.baseUrl, 64);
  const t = performance.now();
  const r = await client.run(reqs, 64);
  console.log('failures', r.failures, 'seconds', ((performance.now() - t) / 1000).toFixed(1), 'peak MB', (rss.stop() / 2 ** 20).toFixed(0), memoryOf(service.pid));
  client.close();
} finally {
  await service.stop();
  await db.drop();
}
