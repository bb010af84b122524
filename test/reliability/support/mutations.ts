import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Entries, RawJson, type WireValue } from './wire-json.js';
import { INT4_MAX } from './wire-records.js';

/**
 * Every kind of wrong value for every field, and the place in the batch it lands.
 * `REMOVE` deletes the field. Values that depend on stored data (another user's ids, an
 * unknown page visit) are resolved when the mutation is applied.
 */
class Remove {}
/** Another user's id of that type, known only when the test runs. */
class Foreign {
  constructor(readonly type: 'pageVisit' | 'tabAggregate') {}
}
/** A valid UUID that names nothing stored. */
class Fresh {}

export const REMOVE = new Remove();

export type WrongValue = WireValue | Remove | Foreign | Fresh;

export interface FieldMutation {
  kind: 'field';
  type: 'pageVisit' | 'tabAggregate';
  field: string;
  value: WrongValue;
}

/** The whole record replaced by something that is not a record. */
export interface RecordMutation {
  kind: 'record';
  type: 'pageVisit' | 'tabAggregate';
  value: WireValue;
}

/** `pageVisits`/`tabAggregates` not an array, or the body not an object. */
export interface ShapeMutation {
  kind: 'shape';
  field: 'pageVisits' | 'tabAggregates' | 'body';
  value: WireValue;
}

export type Mutation = (FieldMutation | RecordMutation | ShapeMutation | { kind: 'activeAboveTotal' }) & { at: number };

const deep = (depth: number) => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const deepObject = (depth: number) => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

const NOT_STRINGS: WireValue[] = [
  null, true, false, 0, 1, -1, 1.5, 12345678, [], {}, ['x'], { $gt: '' }, new RawJson('1e400'), new RawJson('-1e400'),
  new RawJson('123456789012345678901234567890'), deep(2000), deepObject(500),
];

const NOT_UUIDS: WireValue[] = [
  '', 'not-a-uuid', '123e4567-e89b-12d3-a456-42661417400', '123e4567-e89b-12d3-a456-4266141740000',
  '123e4567e89b12d3a456426614174000', '{123e4567-e89b-12d3-a456-426614174000}', 'g23e4567-e89b-12d3-a456-426614174000',
  ' 123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000 ', '123e4567-e89b-12d3-a456-426614174000\u0000',
  'urn:uuid:123e4567-e89b-12d3-a456-426614174000', '\ud800', '１２３e4567-e89b-12d3-a456-426614174000',
  '123e4567-e89b-12d3-a456_426614174000',
];

const NOT_TIMESTAMPS: WireValue[] = [
  '', '2024-05-01', '2024-05-01T10:00:00', '2024-05-01T10:00Z', '2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z',
  '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-05-00T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01T10:60:00Z',
  '2024-05-01T10:00:60Z', '2024-05-01T10:00:00+24:00', '2024-05-01T10:00:00+05:60', '2024-05-01T10:00:00+0500',
  '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-00:01', '10000-01-01T00:00:00Z', '+002024-05-01T10:00:00Z',
  ' 2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z ', '2024-05-01T10:00:00.Z', '2024-05-01T10:00:00Z\u0000',
  '２０２４-05-01T10:00:00Z', '2024-05-01T10:00:00\ud800Z', 'yesterday', 1714557600,
];

const NOT_INTEGERS: WireValue[] = [
  null, true, '5', '', 1.5, 0.1, -1, -2147483648, INT4_MAX + 1, 1e10, new RawJson('1e308'), new RawJson('1e400'),
  new RawJson('-1e400'), new RawJson('123456789012345678901234567890'), new RawJson('9007199254740993'), [], [5], {}, deep(1000),
];

const tooLong = (chars: number, unit: string) => `https://e.com/${unit.repeat(chars)}`;

const urlWrong: WrongValue[] = [
  REMOVE, ...NOT_STRINGS, '', 'example.com/no-scheme', '//host/path', '/relative', '1http://x', ':', '-x:y', ' https://x',
  tooLong(8192 - 13, 'a'), `https:${'😀'.repeat(8192 - 5)}`, 'https://x/\ud800', 'https://x/\udc00tail', 'https://x/\u0000',
];
const titleWrong: WrongValue[] = [REMOVE, ...NOT_STRINGS, 't'.repeat(4097), '😀'.repeat(4097), 'a\ud800b', '\udfff', 'nul\u0000'];
const idWrong = (type: 'pageVisit' | 'tabAggregate'): WrongValue[] => [REMOVE, ...NOT_STRINGS, ...NOT_UUIDS, new Foreign(type)];
const timestampWrong: WrongValue[] = [REMOVE, ...NOT_STRINGS, ...NOT_TIMESTAMPS];

const FIELD_MUTATIONS: Omit<FieldMutation, 'kind'>[] = [
  ...idWrong('pageVisit').map((value) => ({ type: 'pageVisit' as const, field: 'id', value })),
  ...urlWrong.map((value) => ({ type: 'pageVisit' as const, field: 'url', value })),
  ...titleWrong.map((value) => ({ type: 'pageVisit' as const, field: 'title', value })),
  ...timestampWrong.map((value) => ({ type: 'pageVisit' as const, field: 'visited_at', value })),
  ...[true, 0, 5, [], {}, ...NOT_UUIDS].map((value) => ({ type: 'pageVisit' as const, field: 'source_page_visit_id', value })),
  ...idWrong('tabAggregate').map((value) => ({ type: 'tabAggregate' as const, field: 'id', value })),
  ...[REMOVE, ...NOT_STRINGS, ...NOT_UUIDS, new Foreign('pageVisit'), new Fresh()].map((value) => ({
    type: 'tabAggregate' as const,
    field: 'page_visit_id',
    value,
  })),
  ...[REMOVE, ...NOT_INTEGERS].map((value) => ({ type: 'tabAggregate' as const, field: 'total_time_seconds', value })),
  ...[REMOVE, ...NOT_INTEGERS].map((value) => ({ type: 'tabAggregate' as const, field: 'active_time_seconds', value })),
  ...[-1, 101, 50.5, '50', true, [], {}, new RawJson('1e400'), INT4_MAX].map((value) => ({
    type: 'tabAggregate' as const,
    field: 'scroll_depth_percent',
    value,
  })),
  ...timestampWrong.map((value) => ({ type: 'tabAggregate' as const, field: 'closed_at', value })),
];

const NOT_RECORDS: WireValue[] = [null, 5, 'record', [], true, [{}], deep(5000)];

/** Generated wrong values on top of the fixed catalogue, so new shapes keep turning up. */
const generatedFieldMutation: fc.Arbitrary<Omit<FieldMutation, 'kind'>> = fc.oneof(
  fc
    .tuple(fc.constantFrom('id', 'page_visit_id'), fc.string({ maxLength: 40 }).filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)))
    .map(([field, value]) => ({ type: 'tabAggregate' as const, field, value })),
  fc
    .tuple(fc.constantFrom('visited_at'), fc.string({ maxLength: 40 }).filter((s) => !/^\d{4}-/.test(s)))
    .map(([field, value]) => ({ type: 'pageVisit' as const, field, value })),
  fc
    .tuple(
      fc.constantFrom('total_time_seconds', 'active_time_seconds'),
      fc.oneof(
        fc.integer({ min: INT4_MAX + 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
      ),
    )
    .map(([field, value]) => ({ type: 'tabAggregate' as const, field, value })),
  fc
    .tuple(fc.constantFrom('url', 'title'), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.nat(20), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'))
    .map(([field, text, at, bad]) => {
      const cut = at % (text.length + 1);
      return { type: 'pageVisit' as const, field, value: `https://x/${text.slice(0, cut)}${bad}${text.slice(cut)}` };
    }),
);

/** Values the schema accepts and only the stored data refutes: another user's ids, a page visit that does not exist. */
const STORAGE_MUTATIONS: Omit<FieldMutation, 'kind'>[] = [
  { type: 'pageVisit', field: 'id', value: new Foreign('pageVisit') },
  { type: 'tabAggregate', field: 'id', value: new Foreign('tabAggregate') },
  { type: 'tabAggregate', field: 'page_visit_id', value: new Foreign('pageVisit') },
  { type: 'tabAggregate', field: 'page_visit_id', value: new Foreign('tabAggregate') },
  { type: 'tabAggregate', field: 'page_visit_id', value: new Fresh() },
];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...STORAGE_MUTATIONS), fc.nat()).map(([m, at]) => ({ kind: 'field' as const, ...m, at })), weight: 5 },
  { arbitrary: fc.tuple(fc.constantFrom(...FIELD_MUTATIONS), fc.nat()).map(([m, at]) => ({ kind: 'field' as const, ...m, at })), weight: 12 },
  { arbitrary: fc.tuple(generatedFieldMutation, fc.nat()).map(([m, at]) => ({ kind: 'field' as const, ...m, at })), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('pageVisit' as const, 'tabAggregate' as const), fc.constantFrom(...NOT_RECORDS), fc.nat())
      .map(([type, value, at]) => ({ kind: 'record' as const, type, value, at })),
    weight: 2,
  },
  {
    // The body must be an object; pageVisits and tabAggregates must be arrays.
    arbitrary: fc.oneof(
      fc.tuple(fc.constant('body' as const), fc.constantFrom<WireValue>(null, 'x', 5, true, [], deep(3000))),
      fc.tuple(fc.constantFrom('pageVisits' as const, 'tabAggregates' as const), fc.constantFrom<WireValue>(null, {}, 'x', 5, true, deepObject(3000))),
    ).chain(([field, value]) => fc.nat().map((at) => ({ kind: 'shape' as const, field, value, at }))),
    weight: 1,
  },
  { arbitrary: fc.nat().map((at) => ({ kind: 'activeAboveTotal' as const, at })), weight: 1 },
);

export interface ForeignIds {
  pageVisit: string;
  tabAggregate: string;
}

export interface Expectation {
  type: 'pageVisit' | 'tabAggregate' | 'batch';
  /**
   * Indexes of which at least one must be named: the mutated record and the other entries
   * with its id (a batch that repeats an id is read as a sequence, so the conflict may be
   * reported at a repeat). Null for the batch shape.
   */
  indexes: number[] | null;
}

/** The mutated position and every other position holding the same id. */
function sameId(list: WireValue[], index: number): number[] {
  const idOf = (record: WireValue | undefined) =>
    record !== null && typeof record === 'object' && !Array.isArray(record) && !(record instanceof RawJson) && !(record instanceof Entries)
      ? String(record['id']).toLowerCase()
      : undefined;
  const id = idOf(list[index]);
  return list.flatMap((record, i) => (i === index || (id !== undefined && idOf(record) === id) ? [i] : []));
}

/**
 * Applies the mutation to a copy of the records (which must hold at least one of each
 * type) and says which failed record the answer must name.
 */
export function applyMutation(
  records: { pageVisits: Record<string, WireValue>[]; tabAggregates: Record<string, WireValue>[] },
  m: Mutation,
  foreign: ForeignIds,
): { body: WireValue; expect: Expectation } {
  const pageVisits = records.pageVisits.map((r) => ({ ...r }));
  const tabAggregates = records.tabAggregates.map((r) => ({ ...r }));
  const body = (): WireValue => ({ pageVisits, tabAggregates });
  switch (m.kind) {
    case 'shape':
      if (m.field === 'body') return { body: m.value, expect: { type: 'batch', indexes: null } };
      return { body: { pageVisits, tabAggregates, [m.field]: m.value }, expect: { type: 'batch', indexes: null } };
    case 'record': {
      const list: WireValue[] = m.type === 'pageVisit' ? pageVisits : tabAggregates;
      const index = m.at % list.length;
      const indexes = sameId(list, index);
      list[index] = m.value;
      return { body: body(), expect: { type: m.type, indexes } };
    }
    case 'activeAboveTotal': {
      const index = m.at % tabAggregates.length;
      const record = tabAggregates[index] as Record<string, WireValue>;
      record['total_time_seconds'] = 10;
      record['active_time_seconds'] = 11;
      return { body: body(), expect: { type: 'tabAggregate', indexes: sameId(tabAggregates, index) } };
    }
    case 'field': {
      const list = m.type === 'pageVisit' ? pageVisits : tabAggregates;
      const index = m.at % list.length;
      const indexes = sameId(list, index);
      const record = list[index] as Record<string, WireValue>;
      const value = m.value;
      if (value instanceof Remove) delete record[m.field];
      else if (value instanceof Foreign) record[m.field] = foreign[value.type];
      else if (value instanceof Fresh) record[m.field] = randomUUID();
      else record[m.field] = value;
      return { body: body(), expect: { type: m.type, indexes } };
    }
  }
}
