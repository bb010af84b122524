import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type postgres from 'postgres';
import { pageVisit, tabAggregate } from '../../support/records.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { testDatabase } from '../../support/test-database.js';
import { owners, userSnapshot } from '../support/audit.js';
import { expectContractAnswer } from '../support/expectations.js';
import { count } from '../support/figures.js';
import { post, type Answer } from '../support/http-client.js';

export interface ConcurrencyScale {
  /** Clients sending the very same batch at once. */
  sameBatchClients: number;
  /** Overlapping batches of one user sent at once. */
  overlappingBatches: number;
  /** Rounds of two users racing for one new id. */
  races: number;
  /** Users sending a batch each, all at once. */
  users: number;
}

const user = (tag: string) => `conc-${tag}-${randomUUID().slice(0, 8)}`;

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Concurrent batches of one or many users: all answered 200 (or the expected 400), no
 * duplicate rows, no deadlock or serialization failure reaching a client, exact counts.
 * On the embedded database (one connection) the transactions queue instead of racing, so
 * this proves less there; the real contention runs with TEST_DATABASE_URL.
 */
export function concurrencySuite(scale: ConcurrencyScale): void {
  describe(`concurrency (${scale.users} users at once, ${scale.sameBatchClients} identical clients)`, function () {
    this.timeout(180_000);
    let app: TestApp;
    let sql: postgres.Sql;

    const send = async (sub: string, body: unknown): Promise<Answer> => {
      count('requestsSent');
      return post(app.url, await app.token(sub), JSON.stringify(body));
    };

    before(async function () {
      app = await startTestApp();
      sql = (await testDatabase()).database.sql;
    });

    after(async function () {
      await app?.close();
    });

    it('stores the same batch sent by many clients at once exactly once', async function () {
      count('casesTried');
      const sub = user('same');
      const visits = Array.from({ length: 20 }, () => pageVisit());
      const aggregates = visits.map((v) => tabAggregate(v.id));
      const answers = await Promise.all(
        Array.from({ length: scale.sameBatchClients }, () => send(sub, { pageVisits: visits, tabAggregates: aggregates })),
      );
      for (const answer of answers) expectContractAnswer(answer, [200]);
      count('batchesAcknowledged', answers.length);
      const sum = (type: 'pageVisits' | 'tabAggregates', key: string) => answers.reduce((n, a) => n + (a.json[type][key] as number), 0);
      expect(sum('pageVisits', 'inserted'), 'each page visit inserted once').to.equal(visits.length);
      expect(sum('tabAggregates', 'inserted'), 'each aggregate inserted once').to.equal(aggregates.length);
      expect(sum('pageVisits', 'unchanged')).to.equal(visits.length * (scale.sameBatchClients - 1));
      expect(sum('pageVisits', 'updated') + sum('tabAggregates', 'updated')).to.equal(0);
      const stored = await userSnapshot(sql, sub);
      count('rowsAudited', stored.pageVisits.length + stored.tabAggregates.length);
      expect(stored.pageVisits.map((r) => r.id)).to.deep.equal(visits.map((v) => v.id).sort());
      expect(stored.tabAggregates.map((r) => r.id)).to.deep.equal(aggregates.map((a) => a.id).sort());
    });

    it('merges overlapping batches sent at once in different orders, without deadlock or duplicates', async function () {
      count('casesTried');
      const subs = [user('overlap-a'), user('overlap-b')];
      const pool = new Map(subs.map((sub) => [sub, Array.from({ length: 30 }, () => pageVisit())]));
      const aggregateIds = new Map(subs.map((sub) => [sub, (pool.get(sub) ?? []).map(() => randomUUID())]));
      // Each batch: a random subset in random order, each aggregate with its own measures.
      const sent: { sub: string; body: { pageVisits: ReturnType<typeof pageVisit>[]; tabAggregates: ReturnType<typeof tabAggregate>[] } }[] = [];
      for (let b = 0; b < scale.overlappingBatches; b++) {
        const sub = subs[b % subs.length] as string;
        const visits = pool.get(sub) ?? [];
        const ids = aggregateIds.get(sub) ?? [];
        const chosen = shuffle(visits.map((_, i) => i)).slice(0, 10 + Math.floor(Math.random() * 20));
        sent.push({
          sub,
          body: {
            pageVisits: chosen.map((i) => ({ ...(visits[i] as ReturnType<typeof pageVisit>), title: `version ${b}` })),
            tabAggregates: shuffle(chosen).map((i) =>
              tabAggregate((visits[i] as ReturnType<typeof pageVisit>).id, {
                id: ids[i],
                total_time_seconds: 1000 + Math.floor(Math.random() * 1000),
                active_time_seconds: Math.floor(Math.random() * 1000),
                scroll_depth_percent: Math.random() < 0.3 ? null : Math.floor(Math.random() * 101),
                closed_at: new Date(Date.UTC(2024, 0, 1) + Math.floor(Math.random() * 1e9)).toISOString(),
              }),
            ),
          },
        });
      }
      const answers = await Promise.all(sent.map((s) => send(s.sub, s.body)));
      answers.forEach((answer) => expectContractAnswer(answer, [200]));
      count('batchesAcknowledged', answers.length);

      for (const sub of subs) {
        const stored = await userSnapshot(sql, sub);
        count('rowsAudited', stored.pageVisits.length + stored.tabAggregates.length);
        const mine = sent.filter((s) => s.sub === sub);
        const sentVisitIds = new Set(mine.flatMap((s) => s.body.pageVisits.map((v) => v.id)));
        expect(stored.pageVisits.length, 'one row per distinct page visit').to.equal(sentVisitIds.size);
        for (const row of stored.pageVisits) {
          const versions = new Set(mine.flatMap((s) => s.body.pageVisits.filter((v) => v.id === row.id).map((v) => v.title)));
          expect(versions.has(row.title), 'last write wins: the title is one that was sent').to.equal(true);
        }
        // Never less complete: each measure is the largest ever sent, whatever the order.
        const sentAggregates = mine.flatMap((s) => s.body.tabAggregates);
        expect(stored.tabAggregates.length).to.equal(new Set(sentAggregates.map((a) => a.id)).size);
        for (const row of stored.tabAggregates) {
          const versions = sentAggregates.filter((a) => a.id === row.id);
          expect(row.total_time_seconds).to.equal(Math.max(...versions.map((a) => a.total_time_seconds)));
          expect(row.active_time_seconds).to.equal(Math.max(...versions.map((a) => a.active_time_seconds)));
          const scrolls = versions.map((a) => a.scroll_depth_percent).filter((s): s is number => s !== null);
          expect(row.scroll_depth_percent).to.equal(scrolls.length === 0 ? null : Math.max(...scrolls));
          const latest = versions.map((a) => a.closed_at).sort().at(-1) as string;
          expect(Date.parse(row.closed_at)).to.equal(Date.parse(latest));
        }
      }
    });

    it('lets exactly one of two users racing for the same new id win; the other gets id_conflict', async function () {
      for (let round = 0; round < scale.races; round++) {
        count('casesTried');
        const [a, b] = [user('race-a'), user('race-b')];
        const id = randomUUID();
        const aggregateId = randomUUID();
        const body = (sub: string) => {
          const visit = pageVisit({ id, url: `https://example.com/${sub}`, title: sub });
          return { pageVisits: [visit], tabAggregates: [tabAggregate(id, { id: aggregateId })] };
        };
        const [first, second] = await Promise.all([send(a, body(a)), send(b, body(b))]);
        expectContractAnswer(first as Answer, [200, 400]);
        expectContractAnswer(second as Answer, [200, 400]);
        const statuses = [first?.status, second?.status].sort();
        expect(statuses, 'exactly one winner').to.deep.equal([200, 400]);
        const [winner, loser] = first?.status === 200 ? [a, second as Answer] : [b, first as Answer];
        count('batchesAcknowledged');
        const codes = (loser.json.failed_records as { code: string; type: string; index: number }[]).map((f) => `${f.type}:${f.code}`);
        expect(codes, 'the loser is told id_conflict').to.include('pageVisit:id_conflict');
        const stored = await owners(sql, [id, aggregateId]);
        expect(stored.get(id)).to.equal(winner);
        expect(stored.get(aggregateId)).to.equal(winner);
        const rows = await userSnapshot(sql, winner);
        expect(rows.pageVisits.map((r) => r.title)).to.deep.equal([winner]);
        const losing = await userSnapshot(sql, winner === a ? b : a);
        expect(losing.pageVisits.length + losing.tabAggregates.length, 'nothing of the loser stored').to.equal(0);
        count('rowsAudited', 2);
      }
    });

    it('serves hundreds of users at once, every row stored once', async function () {
      count('casesTried');
      const before = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM page_visits`;
      const work = Array.from({ length: scale.users }, (_, u) => {
        const visits = Array.from({ length: 10 }, () => pageVisit());
        return { sub: user(`many${u}`), body: { pageVisits: visits, tabAggregates: visits.map((v) => tabAggregate(v.id)) } };
      });
      const answers = await Promise.all(work.map((w) => send(w.sub, w.body)));
      answers.forEach((answer) => expectContractAnswer(answer, [200]));
      count('batchesAcknowledged', answers.length);
      for (const answer of answers) expect(answer.json.pageVisits.inserted).to.equal(10);
      const after = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM page_visits`;
      expect((after[0]?.n ?? 0) - (before[0]?.n ?? 0)).to.equal(scale.users * 10);
      const perUser = await sql<{ user_id: string; pv: number; ta: number }[]>`
        SELECT p.user_id, count(DISTINCT p.id)::int AS pv, count(t.id)::int AS ta
        FROM page_visits p LEFT JOIN tab_aggregates t ON t.page_visit_id = p.id
        WHERE p.user_id = ANY(${work.map((w) => w.sub)})
        GROUP BY p.user_id
      `;
      expect(perUser.length).to.equal(scale.users);
      for (const row of perUser) expect([row.pv, row.ta]).to.deep.equal([10, 10]);
      count('rowsAudited', scale.users * 20);
    });
  });
}
