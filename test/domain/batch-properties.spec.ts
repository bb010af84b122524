import { expect } from 'chai';
import fc from 'fast-check';
import { MemoryUnitOfWork } from '../../src/adapters/persistence/memory/memory-unit-of-work.js';
import { SyncBatch } from '../../src/application/sync-batch.js';
import { parseBatch } from '../../src/domain/batch.js';
import { pageVisit, tabAggregate } from '../support/records.js';

const PAGE_VISIT_FIELDS = ['id', 'url', 'title', 'visited_at', 'source_page_visit_id'];
const TAB_AGGREGATE_FIELDS = ['id', 'page_visit_id', 'total_time_seconds', 'active_time_seconds', 'scroll_depth_percent', 'closed_at'];
const CODES = ['required', 'invalid_type', 'invalid_format', 'out_of_range', 'too_long', 'invalid_value', 'immutable_field'];

/** Any JSON value, with the awkward strings and numbers that break naive validators. */
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('', '\u0000', '\ud800', '5', '2024-02-30T00:00:00Z', '9999-12-31T23:59:59-01:00', 'a:', -0, 5.5, 2147483648, -1, 1e308),
);

/** A valid record with some fields replaced by arbitrary values or removed. */
function mutated(base: Record<string, unknown>, fields: string[]) {
  return fc
    .array(fc.tuple(fc.constantFrom(...fields), fc.option(jsonValue, { nil: undefined })), { maxLength: 2 })
    .map((changes) => {
      const record: Record<string, unknown> = { ...base };
      for (const [field, value] of changes) {
        if (value === undefined) delete record[field];
        else record[field] = value;
      }
      return record;
    });
}

const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/**
 * Batches of records that keep every rule, with distinct ids. The mutated branch
 * below reaches a valid batch only by luck (its ids repeat, and any change may break
 * a record), so without this branch the property could pass having checked nothing.
 */
const validBatch = fc
  .record({
    pageVisits: fc.uniqueArray(
      fc.record({ id: fc.uuid({ version: 4 }), url: fc.webUrl(), title: fc.string({ maxLength: 40 }), visited_at: instant }),
      { selector: (visit) => visit.id, minLength: 1, maxLength: 3 },
    ),
    tabAggregates: fc.uniqueArray(
      fc
        .record({
          id: fc.uuid({ version: 4 }),
          total_time_seconds: fc.integer({ min: 0, max: 1_000_000 }),
          scroll_depth_percent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
          closed_at: instant,
        })
        .chain((aggregate) =>
          fc.integer({ min: 0, max: aggregate.total_time_seconds }).map((active) => ({ ...aggregate, active_time_seconds: active })),
        ),
      { selector: (aggregate) => aggregate.id, maxLength: 3 },
    ),
  })
  .map(({ pageVisits, tabAggregates }) => ({
    pageVisits: pageVisits.map((visit) => ({ ...visit, source_page_visit_id: null })),
    tabAggregates: tabAggregates.map((aggregate) => ({ ...aggregate, page_visit_id: pageVisits[0]!.id })),
  }));

const visitId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const body = fc.oneof(
  { arbitrary: jsonValue, weight: 1 },
  { arbitrary: validBatch, weight: 1 },
  {
    arbitrary: fc.record({
      pageVisits: fc.array(
        fc.oneof({ arbitrary: mutated(pageVisit({ id: visitId }), PAGE_VISIT_FIELDS), weight: 6 }, { arbitrary: jsonValue, weight: 1 }),
        { maxLength: 4 },
      ),
      tabAggregates: fc.array(
        fc.oneof({ arbitrary: mutated(tabAggregate(visitId), TAB_AGGREGATE_FIELDS), weight: 6 }, { arbitrary: jsonValue, weight: 1 }),
        { maxLength: 4 },
      ),
    }),
    weight: 4,
  },
);

describe('parseBatch and SyncBatch on any input (properties)', () => {
  it('parseBatch never throws, and every failure is well-formed', () => {
    fc.assert(
      fc.property(body, (input) => {
        const result = parseBatch(input, { maxRecordsPerType: 3 });
        if (result.kind !== 'invalid') return;
        expect(result.failures).to.not.be.empty;
        for (const failure of result.failures) {
          expect(['pageVisit', 'tabAggregate', 'batch']).to.include(failure.type);
          expect(CODES).to.include(failure.code);
          expect(failure.error).to.be.a('string').and.not.equal('');
          if (failure.type === 'batch') expect(failure.index).to.equal(null);
          else expect(failure.index).to.be.a('number');
          expect(failure.id === null || typeof failure.id === 'string').to.equal(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a valid batch holds only records that keep every rule', () => {
    let withRecords = 0;
    fc.assert(
      fc.property(body, (input) => {
        const result = parseBatch(input, { maxRecordsPerType: 3 });
        if (result.kind !== 'valid') return;
        if (result.batch.pageVisits.length + result.batch.tabAggregates.length > 0) withRecords++;
        for (const { record } of result.batch.pageVisits) {
          expect(record.id).to.match(/^[0-9a-f-]{36}$/);
          expect(record.url).to.match(/^[A-Za-z][A-Za-z0-9+.-]*:/);
          expect(record.title.isWellFormed() && !record.title.includes('\u0000')).to.equal(true);
          expect(record.visited_at).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        }
        for (const { record } of result.batch.tabAggregates) {
          expect(Number.isInteger(record.total_time_seconds) && record.total_time_seconds >= 0).to.equal(true);
          expect(record.active_time_seconds).to.be.at.most(record.total_time_seconds).and.at.least(0);
          if (record.scroll_depth_percent !== null) expect(record.scroll_depth_percent).to.be.within(0, 100);
          expect(record.closed_at).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        }
      }),
      { numRuns: 500 },
    );
    // The generator must reach valid records, or this property proves nothing
    // (about 80 of 500 runs are valid batches by construction; 10 leaves a wide margin).
    expect(withRecords).to.be.above(10);
  });

  it('SyncBatch answers every input with a value, never an exception', async () => {
    const sync = new SyncBatch(new MemoryUnitOfWork(), { now: () => new Date('2026-01-01T00:00:00Z') }, { maxRecordsPerType: 3 });
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        const result = await sync.execute('fuzz', input);
        expect(['ok', 'rejected', 'too_many_records']).to.include(result.status);
      }),
      { numRuns: 300 },
    );
  });
});
