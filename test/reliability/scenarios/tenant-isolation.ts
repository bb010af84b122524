import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import type postgres from 'postgres';
import { pageVisit, tabAggregate } from '../../support/records.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { testDatabase } from '../../support/test-database.js';
import { userSnapshot, type UserSnapshot } from '../support/audit.js';
import { expectContractAnswer } from '../support/expectations.js';
import { count } from '../support/figures.js';
import { post, type Answer } from '../support/http-client.js';
import { propertyParameters } from '../support/seed.js';

export interface IsolationScale {
  runs: number;
}

/**
 * No request of one user can read, change or reference another user's rows, whatever ids
 * it sends: as record ids, as page_visit_id, or as source_page_visit_id (a soft reference,
 * allowed, that must change nothing of the other user's).
 */
export function tenantIsolationSuite(scale: IsolationScale): void {
  describe(`tenant isolation (${scale.runs} runs)`, function () {
    this.timeout(Math.max(60_000, scale.runs * 1_000));
    let app: TestApp;
    let sql: postgres.Sql;
    const victim = `victim-${randomUUID()}`;
    const secretUrl = `https://bank.example/${randomUUID()}/statement`;
    const secretTitle = `private ${randomUUID()}`;
    const victimVisits = Array.from({ length: 3 }, () => pageVisit({ url: secretUrl, title: secretTitle }));
    const victimAggregates = victimVisits.map((v) => tabAggregate(v.id, { total_time_seconds: 10, active_time_seconds: 5, scroll_depth_percent: 10 }));
    let victimBefore: UserSnapshot;

    const send = async (sub: string, body: unknown): Promise<Answer> => {
      count('requestsSent');
      return post(app.url, await app.token(sub), JSON.stringify(body));
    };

    /** What the attacker learns must not include the victim's data. */
    const expectNoLeak = (answer: Answer) => {
      expect(answer.text).not.to.include(secretUrl);
      expect(answer.text).not.to.include(secretTitle);
      expect(answer.text).not.to.include(victim);
    };

    before(async function () {
      app = await startTestApp();
      sql = (await testDatabase()).database.sql;
      expectContractAnswer(await send(victim, { pageVisits: victimVisits, tabAggregates: victimAggregates }), [200]);
      victimBefore = await userSnapshot(sql, victim);
    });

    afterEach(async function () {
      expect(await userSnapshot(sql, victim), "the victim's rows are exactly as they were").to.deep.equal(victimBefore);
      count('rowsAudited', victimBefore.pageVisits.length + victimBefore.tabAggregates.length);
    });

    after(async function () {
      await app?.close();
    });

    it("refuses the victim's page visit id as a record id (any case), naming id_conflict", async function () {
      for (const id of [victimVisits[0]?.id as string, (victimVisits[1]?.id as string).toUpperCase()]) {
        count('casesTried');
        const attacker = `attacker-${randomUUID()}`;
        const own = pageVisit();
        const answer = await send(attacker, { pageVisits: [own, pageVisit({ id, title: 'overwritten', url: 'https://evil.example/' })] });
        expectContractAnswer(answer, [400]);
        expectNoLeak(answer);
        // The id is named as sent or canonical (lower case): either identifies the record.
        const named = (answer.json.failed_records as { type: string; index: number; id: string; field: string; code: string }[]).map(
          (f) => ({ type: f.type, index: f.index, id: f.id.toLowerCase(), field: f.field, code: f.code }),
        );
        expect(named).to.deep.include.members([{ type: 'pageVisit', index: 1, id: id.toLowerCase(), field: 'id', code: 'id_conflict' }]);
        const stored = await userSnapshot(sql, attacker);
        expect(stored.pageVisits, 'nothing of a refused batch is stored').to.deep.equal([]);
      }
    });

    it("refuses the victim's aggregate id, and the victim's page visit as page_visit_id", async function () {
      count('casesTried', 3);
      const attacker = `attacker-${randomUUID()}`;
      const own = pageVisit();
      const victimVisit = victimVisits[0]?.id as string;
      const cases = [
        { aggregate: tabAggregate(own.id, { id: victimAggregates[0]?.id, total_time_seconds: 999_999, active_time_seconds: 999_999 }), code: 'id_conflict' },
        { aggregate: tabAggregate(victimVisit, { total_time_seconds: 999_999 }), code: 'unknown_page_visit' },
        { aggregate: tabAggregate(victimVisit, { id: victimAggregates[0]?.id, total_time_seconds: 999_999 }), code: 'id_conflict' },
      ];
      for (const c of cases) {
        const answer = await send(attacker, { pageVisits: [own], tabAggregates: [c.aggregate] });
        expectContractAnswer(answer, [400]);
        expectNoLeak(answer);
        expect((answer.json.failed_records as { code: string }[]).map((f) => f.code)).to.include(c.code);
      }
      expect((await userSnapshot(sql, attacker)).pageVisits).to.deep.equal([]);
    });

    it("accepts the victim's page visit as source_page_visit_id without touching it", async function () {
      count('casesTried');
      const attacker = `attacker-${randomUUID()}`;
      const visit = pageVisit({ source_page_visit_id: victimVisits[2]?.id });
      const answer = await send(attacker, { pageVisits: [visit] });
      expectContractAnswer(answer, [200]);
      expectNoLeak(answer);
      expect((await userSnapshot(sql, attacker)).pageVisits.map((r) => r.source_page_visit_id)).to.deep.equal([victimVisits[2]?.id]);
    });

    it("never lets any mix of the victim's ids and fresh ones change or reveal the victim's rows", async function () {
      const victimIds = [...victimVisits.map((v) => v.id), ...victimAggregates.map((a) => a.id)];
      const takenVisitIds = new Set<string>(victimVisits.map((v) => v.id));
      const takenAggregateIds = new Set<string>(victimAggregates.map((a) => a.id));
      const idChoice = fc.oneof(
        fc.constant<'fresh'>('fresh'),
        fc.tuple(fc.constantFrom(...victimIds), fc.boolean()).map(([id, upper]) => (upper ? id.toUpperCase() : id)),
      );
      const plan = fc.record({
        visits: fc.array(fc.record({ id: idChoice, source: idChoice }), { minLength: 1, maxLength: 4 }),
        aggregates: fc.array(fc.record({ id: idChoice, pageVisit: fc.oneof(fc.nat(3).map((i) => ({ own: i })), idChoice.map((id) => ({ id }))) }), {
          maxLength: 4,
        }),
      });
      await fc.assert(
        fc.asyncProperty(plan, async (p) => {
          count('casesTried');
          const attacker = `attacker-${randomUUID()}`;
          const pick = (choice: string) => (choice === 'fresh' ? randomUUID() : choice);
          const visits = p.visits.map((v) => pageVisit({ id: pick(v.id), source_page_visit_id: pick(v.source), title: 'attack' }));
          const aggregates = p.aggregates.map((a) =>
            tabAggregate('own' in a.pageVisit ? (visits[a.pageVisit.own % visits.length]?.id as string) : pick(a.pageVisit.id), {
              id: pick(a.id),
              total_time_seconds: 2_000_000_000,
              active_time_seconds: 2_000_000_000,
              scroll_depth_percent: 100,
              closed_at: '9999-01-01T00:00:00Z',
            }),
          );
          const answer = await send(attacker, { pageVisits: visits, tabAggregates: aggregates });
          expectContractAnswer(answer, [200, 400]);
          expectNoLeak(answer);
          // Ids are unique per table: a victim's aggregate id is a free page visit id, and the
          // other way round. page_visit_id must name one of the attacker's own visits.
          // Earlier attackers may have stored a victim's aggregate id as their page visit id.
          const ownVisitIds = new Set<string>(visits.map((v) => v.id.toLowerCase()));
          // One id twice in a batch with two page visits: the second cannot move it (immutable_field).
          const firstPageVisit = new Map<string, string>();
          const moved = aggregates.some((a) => {
            const seen = firstPageVisit.get(a.id.toLowerCase());
            firstPageVisit.set(a.id.toLowerCase(), seen ?? a.page_visit_id.toLowerCase());
            return seen !== undefined && seen !== a.page_visit_id.toLowerCase();
          });
          const refused =
            moved ||
            visits.some((v) => takenVisitIds.has(v.id.toLowerCase())) ||
            aggregates.some((a) => takenAggregateIds.has(a.id.toLowerCase()) || !ownVisitIds.has(a.page_visit_id.toLowerCase()));
          expect(answer.status, `refused exactly when a victim row is named: ${answer.text.slice(0, 300)}`).to.equal(refused ? 400 : 200);
          const stored = await userSnapshot(sql, attacker);
          if (answer.status === 400) expect(stored.pageVisits.length + stored.tabAggregates.length).to.equal(0);
          stored.pageVisits.forEach((r) => takenVisitIds.add(r.id));
          stored.tabAggregates.forEach((r) => takenAggregateIds.add(r.id));
          expect(await userSnapshot(sql, victim)).to.deep.equal(victimBefore);
        }),
        propertyParameters(scale.runs),
      );
    });
  });
}
