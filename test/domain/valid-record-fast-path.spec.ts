import { expect } from 'chai';
import fc from 'fast-check';
import { pageVisitSchema } from '../../src/domain/page-visit.js';
import { tabAggregateSchema } from '../../src/domain/tab-aggregate.js';
import { pageVisitIfValid, tabAggregateIfValid } from '../../src/domain/valid-record-fast-path.js';
import { pageVisit, tabAggregate } from '../support/records.js';

/** Values near the edges of every field rule, valid and invalid, plus anything JSON can hold. */
const uuidLike = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.constantFrom('', 'not-a-uuid', '0b7c2f0e-1d2c-4c1a-9f3e-12345678901', '0b7c2f0e-1d2c-4c1a-9f3e-1234567890123', 'g0000000-0000-0000-0000-000000000000'),
  fc.uuid().map((id) => ` ${id}`),
  fc.uuid().map((id) => `${id}\n`),
);
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00', '😀'.repeat(2048), '😀'.repeat(2049), 'a'.repeat(4096), 'a'.repeat(4097)),
);
const url = fc.oneof(
  fc.webUrl(),
  fc.constantFrom('https://example.com', 'mailto:a@b.c', 'a:', '1http://x', 'http//x', '', ' https://x', 'h'.repeat(8190) + ':/', 'h'.repeat(8192) + ':/', 'https://x/\u0000'),
  text,
);
const timestamp = fc.oneof(
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2024-05-01T10:00:00Z', '2024-05-01t10:00:00z', '2024-05-01T10:00:00.1234567+05:30', '2024-02-30T10:00:00Z', '2024-05-01T24:00:00Z',
    '2024-05-01T10:00:00', '0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00', '0050-06-01T12:00:00Z', '2024-05-01 10:00:00Z', '',
  ),
  text,
);
const count = fc.oneof(
  fc.integer({ min: -5, max: 5000 }),
  fc.constantFrom(0, 100, 101, -1, 2_147_483_647, 2_147_483_648, 5.5, -0, Number.MAX_SAFE_INTEGER + 2, 1e21),
  fc.double(),
);
const other = fc.oneof(fc.constant(null), fc.boolean(), fc.constant('5'), fc.constant([]), fc.constant({}));
const maybe = <T>(value: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: value }, { weight: 1, arbitrary: other }, { weight: 1, arbitrary: fc.constant(undefined) });

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

const pageVisitInput = fc
  .record({
    id: maybe(uuidLike),
    url: maybe(url),
    title: maybe(text),
    visited_at: maybe(timestamp),
    source_page_visit_id: maybe(uuidLike),
    extra: fc.option(fc.jsonValue(), { nil: undefined }),
  })
  .map(withoutUndefined);

const tabAggregateInput = fc
  .record({
    id: maybe(uuidLike),
    page_visit_id: maybe(uuidLike),
    total_time_seconds: maybe(count),
    active_time_seconds: maybe(count),
    scroll_depth_percent: maybe(count),
    closed_at: maybe(timestamp),
    extra: fc.option(fc.jsonValue(), { nil: undefined }),
  })
  .map(withoutUndefined);

describe('valid-record fast path', () => {
  it('accepts a pageVisit only when the schema does, with the same output', () => {
    fc.assert(
      fc.property(fc.oneof(pageVisitInput, fc.jsonValue()), (input) => {
        const fast = pageVisitIfValid(input);
        if (fast === undefined) return;
        const schema = pageVisitSchema.safeParse(input);
        expect(schema.success, JSON.stringify(input)).to.equal(true);
        expect(fast).to.deep.equal(schema.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts a tabAggregate only when the schema does, with the same output', () => {
    fc.assert(
      fc.property(fc.oneof(tabAggregateInput, fc.jsonValue()), (input) => {
        const fast = tabAggregateIfValid(input);
        if (fast === undefined) return;
        const schema = tabAggregateSchema.safeParse(input);
        expect(schema.success, JSON.stringify(input)).to.equal(true);
        expect(fast).to.deep.equal(schema.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the everyday valid records itself, so that the schema is the exception', () => {
    const visit = pageVisit({ id: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', visited_at: '2024-05-01T12:00:00.5+02:00' });
    expect(pageVisitIfValid(visit)).to.deep.equal(pageVisitSchema.parse(visit));
    const { source_page_visit_id: _omitted, ...withoutSource } = pageVisit();
    expect(pageVisitIfValid(withoutSource)).to.deep.equal(pageVisitSchema.parse(withoutSource));
    const aggregate = tabAggregate(visit.id as string, { scroll_depth_percent: null });
    expect(tabAggregateIfValid(aggregate)).to.deep.equal(tabAggregateSchema.parse(aggregate));
    const { scroll_depth_percent: _none, ...withoutScroll } = tabAggregate(visit.id as string);
    expect(tabAggregateIfValid(withoutScroll)).to.deep.equal(tabAggregateSchema.parse(withoutScroll));
  });

  it('leaves every invalid record to the schema', () => {
    expect(pageVisitIfValid(pageVisit({ url: 'no-scheme' }))).to.equal(undefined);
    expect(pageVisitIfValid(pageVisit({ title: 'a\u0000b' }))).to.equal(undefined);
    expect(pageVisitIfValid(pageVisit({ visited_at: '2024-02-30T10:00:00Z' }))).to.equal(undefined);
    expect(pageVisitIfValid(pageVisit({ source_page_visit_id: 'x' }))).to.equal(undefined);
    expect(tabAggregateIfValid(tabAggregate('0b7c2f0e-1d2c-4c1a-9f3e-123456789012', { active_time_seconds: 121 }))).to.equal(undefined);
    expect(tabAggregateIfValid(tabAggregate('0b7c2f0e-1d2c-4c1a-9f3e-123456789012', { total_time_seconds: 5.5 }))).to.equal(undefined);
    expect(tabAggregateIfValid(tabAggregate('0b7c2f0e-1d2c-4c1a-9f3e-123456789012', { scroll_depth_percent: 101 }))).to.equal(undefined);
  });
});
