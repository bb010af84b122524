import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Entries, RawJson, type WireValue } from './wire-json.js';

/**
 * Valid wire batches and, computed independently of the service, the rows they must leave
 * in the database. Ids are drawn fresh (randomUUID) when a template is materialised, so
 * that cases never collide on the global primary key; fast-check decides everything else.
 */

export const INT4_MAX = 2_147_483_647;

export interface PageVisitRow {
  id: string;
  url: string;
  title: string;
  visited_at: string;
  source_page_visit_id: string | null;
}

export interface TabAggregateRow {
  id: string;
  page_visit_id: string;
  total_time_seconds: number;
  active_time_seconds: number;
  scroll_depth_percent: number | null;
  closed_at: string;
}

export interface ExpectedRows {
  pageVisits: PageVisitRow[];
  tabAggregates: TabAggregateRow[];
}

/** A batch as sent (records as objects whose values may be raw JSON) and what it must store. */
export interface Batch {
  pageVisits: Record<string, WireValue>[];
  tabAggregates: Record<string, WireValue>[];
  /** Unknown properties appended to records, by position (type, index) → entries. */
  extras: Map<string, [string, WireValue][]>;
  expected: ExpectedRows;
}

// ---- timestamps ----------------------------------------------------------------------

interface TimestampTemplate {
  seconds: number;
  fraction: string;
  offsetMinutes: number;
  lowerT: boolean;
  zulu: 'Z' | 'z' | '+00:00' | '-00:00';
}

const MIN_SECONDS = Date.parse('0001-01-02T00:00:00Z') / 1000;
const MAX_SECONDS = Date.parse('9999-12-30T23:59:59Z') / 1000;
const MAX_OFFSET = 23 * 60 + 59;

const timestampTemplate: fc.Arbitrary<TimestampTemplate> = fc.record({
  seconds: fc.oneof(
    fc.integer({ min: MIN_SECONDS, max: MAX_SECONDS }),
    fc.integer({ min: Date.parse('2020-01-01T00:00:00Z') / 1000, max: Date.parse('2030-01-01T00:00:00Z') / 1000 }),
    // 29 February of leap years, the edges of months and years.
    fc.constantFrom('2024-02-29T23:59:59Z', '2000-02-29T00:00:00Z', '1999-12-31T23:59:59Z', '0001-01-02T00:00:00Z', '9999-12-30T23:59:59Z').map(
      (text) => Date.parse(text) / 1000,
    ),
  ),
  fraction: fc.stringMatching(/^[0-9]{0,12}$/),
  offsetMinutes: fc.oneof(fc.constant(0), fc.integer({ min: -MAX_OFFSET, max: MAX_OFFSET }), fc.constantFrom(-MAX_OFFSET, MAX_OFFSET)),
  lowerT: fc.boolean(),
  zulu: fc.constantFrom('Z', 'z', '+00:00', '-00:00'),
});

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function fields(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`
  );
}

/** Wire text (local time with its offset) and the canonical UTC microsecond form. */
export function timestamp(t: TimestampTemplate): { wire: string; canonical: string } {
  const local = new Date((t.seconds + t.offsetMinutes * 60) * 1000);
  const offset =
    t.offsetMinutes === 0
      ? t.zulu
      : `${t.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(t.offsetMinutes) / 60), 2)}:${pad(Math.abs(t.offsetMinutes) % 60, 2)}`;
  let wire = `${fields(local)}${t.fraction === '' ? '' : `.${t.fraction}`}${offset}`;
  if (t.lowerT) wire = wire.replace('T', 't');
  const canonical = `${fields(new Date(t.seconds * 1000))}.${t.fraction.padEnd(6, '0').slice(0, 6)}Z`;
  return { wire, canonical };
}

// ---- text ----------------------------------------------------------------------------

/** Well-formed text without NUL: astral characters, controls, BOM, bidi marks, U+FFFF. */
const storableText = (maxLength: number) =>
  fc
    .oneof(
      fc.string({ unit: 'binary', maxLength }),
      fc.string({ unit: 'grapheme', maxLength }),
      fc.string({ unit: fc.constantFrom('😀', '𝄞', '\u200f', '\ufeff', '\uffff', '\u2028', '\u0301', 'é', '"', '\\', '\u0001', '\u007f', '%00'), maxLength }),
    )
    .map((text) => text.replaceAll('\u0000', ''));

const scheme = fc.oneof(
  fc.constantFrom('https', 'http', 'file', 'about', 'chrome-extension', 'moz-extension', 'data', 'HTTPS', 'x-y.z+w'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9+.-]{0,10}$/),
);

const url = fc.oneof(
  { arbitrary: fc.tuple(scheme, storableText(60)).map(([s, rest]) => `${s}:${rest}`), weight: 8 },
  { arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }), weight: 4 },
  // The longest allowed: 8192 code points, astral ones taking two UTF-16 units each.
  { arbitrary: fc.constantFrom(`https://e.com/${'a'.repeat(8192 - 14)}`, `https:${'😀'.repeat(8192 - 6)}`), weight: 1 },
);

const title = fc.oneof(
  { arbitrary: storableText(80), weight: 10 },
  { arbitrary: fc.constantFrom('', 't'.repeat(4096), '𝄞'.repeat(4096)), weight: 1 },
);

// ---- records -------------------------------------------------------------------------

type IdCase = 'lower' | 'upper' | 'mixed';
const idCase = fc.constantFrom<IdCase>('lower', 'upper', 'mixed');

const RECORD_FIELDS = new Set([
  'id', 'url', 'title', 'visited_at', 'source_page_visit_id',
  'page_visit_id', 'total_time_seconds', 'active_time_seconds', 'scroll_depth_percent', 'closed_at',
]);

/** Unknown properties the service must ignore, prototype-pollution keys among them. */
const extraEntries = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'user_id', 'created_at', 'updated_at'),
      fc.string({ maxLength: 10 }).filter((key) => !RECORD_FIELDS.has(key)),
    ),
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<WireValue>,
      fc.constant(new Entries([['polluted', true]])),
      fc.constant(new Entries([['prototype', new Entries([['polluted', true]])]])),
    ),
  ),
  { maxLength: 3 },
);

const pageVisitTemplate = fc.record({
  idCase,
  url,
  title,
  visited: timestampTemplate,
  source: fc.oneof(
    fc.constant({ kind: 'absent' as const }),
    fc.constant({ kind: 'null' as const }),
    fc.constant({ kind: 'fresh' as const }),
    fc.nat(50).map((index) => ({ kind: 'inBatch' as const, index })),
  ),
  extras: extraEntries,
});

const measures = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: INT4_MAX }), fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(0, INT4_MAX)),
    fc.oneof(fc.integer({ min: 0, max: INT4_MAX }), fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(0, INT4_MAX)),
  )
  .map(([a, b]) => ({ total: Math.max(a, b), active: Math.min(a, b) }));

const tabAggregateTemplate = fc.record({
  idCase,
  pageVisitIndex: fc.nat(50),
  measures,
  scroll: fc.oneof(fc.constant<'absent' | null>('absent'), fc.constant(null), fc.integer({ min: 0, max: 100 })),
  closed: timestampTemplate,
  /** How the integers are written: plain, 1.0 style or exponent style (all exact integers). */
  numberStyle: fc.constantFrom('plain', 'fraction', 'exponent'),
  extras: extraEntries,
});

export const batchTemplate = fc.record({
  pageVisits: fc.array(pageVisitTemplate, { maxLength: 6 }),
  tabAggregates: fc.array(tabAggregateTemplate, { maxLength: 6 }),
  /** Resend some records later in the same batch with other content (rule 6). */
  repeats: fc.array(fc.tuple(fc.constantFrom('pageVisit', 'tabAggregate'), fc.nat(50), pageVisitTemplate, tabAggregateTemplate), { maxLength: 2 }),
});

export type BatchTemplate = typeof batchTemplate extends fc.Arbitrary<infer T> ? T : never;

function withCase(id: string, c: IdCase): string {
  if (c === 'upper') return id.toUpperCase();
  if (c === 'mixed') return [...id].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch)).join('');
  return id;
}

function integer(value: number, style: string): WireValue {
  if (style === 'fraction') return new RawJson(`${value}.0`);
  if (style === 'exponent' && value % 10 === 0 && value > 0) return new RawJson(`${value / 10}e1`);
  return value;
}

/** Builds the wire batch with fresh ids, and the rows it must store for a new user. */
export function materialise(template: BatchTemplate): Batch {
  const extras = new Map<string, [string, WireValue][]>();
  const pvIds = template.pageVisits.map(() => randomUUID());
  const pageVisits: Record<string, WireValue>[] = [];
  const pvExpected = new Map<string, PageVisitRow>();
  const visitRecord = (t: (typeof template.pageVisits)[number], id: string) => {
    const visited = timestamp(t.visited);
    const record: Record<string, WireValue> = { id: withCase(id, t.idCase), url: t.url, title: t.title, visited_at: visited.wire };
    let source: string | null = null;
    if (t.source.kind === 'null') record['source_page_visit_id'] = null;
    if (t.source.kind === 'fresh') source = randomUUID();
    if (t.source.kind === 'inBatch' && pvIds.length > 0) source = pvIds[t.source.index % pvIds.length] ?? null;
    if (source !== null) record['source_page_visit_id'] = withCase(source, t.idCase);
    extras.set(`pageVisit:${pageVisits.length}`, t.extras);
    pageVisits.push(record);
    // Last write wins inside a batch.
    pvExpected.set(id, { id, url: t.url, title: t.title, visited_at: visited.canonical, source_page_visit_id: source });
  };
  template.pageVisits.forEach((t, i) => visitRecord(t, pvIds[i] as string));

  const tabAggregates: Record<string, WireValue>[] = [];
  const taExpected = new Map<string, TabAggregateRow>();
  const taIds: string[] = [];
  const aggregateRecord = (t: (typeof template.tabAggregates)[number], id: string, pageVisitId: string) => {
    const closed = timestamp(t.closed);
    const record: Record<string, WireValue> = {
      id: withCase(id, t.idCase),
      page_visit_id: withCase(pageVisitId, t.idCase),
      total_time_seconds: integer(t.measures.total, t.numberStyle),
      active_time_seconds: integer(t.measures.active, t.numberStyle),
      closed_at: closed.wire,
    };
    if (t.scroll !== 'absent') record['scroll_depth_percent'] = t.scroll === null ? null : integer(t.scroll, t.numberStyle);
    extras.set(`tabAggregate:${tabAggregates.length}`, t.extras);
    tabAggregates.push(record);
    const incoming: TabAggregateRow = {
      id,
      page_visit_id: pageVisitId,
      total_time_seconds: t.measures.total,
      active_time_seconds: t.measures.active,
      scroll_depth_percent: t.scroll === 'absent' ? null : t.scroll,
      closed_at: closed.canonical,
    };
    const stored = taExpected.get(id);
    // Never less complete: each measure keeps the larger value (canonical text orders as time).
    taExpected.set(
      id,
      stored === undefined
        ? incoming
        : {
            ...stored,
            total_time_seconds: Math.max(stored.total_time_seconds, incoming.total_time_seconds),
            active_time_seconds: Math.max(stored.active_time_seconds, incoming.active_time_seconds),
            scroll_depth_percent:
              stored.scroll_depth_percent === null
                ? incoming.scroll_depth_percent
                : incoming.scroll_depth_percent === null
                  ? stored.scroll_depth_percent
                  : Math.max(stored.scroll_depth_percent, incoming.scroll_depth_percent),
            closed_at: stored.closed_at >= incoming.closed_at ? stored.closed_at : incoming.closed_at,
          },
    );
  };
  if (pvIds.length > 0) {
    for (const t of template.tabAggregates) {
      const id = randomUUID();
      taIds.push(id);
      aggregateRecord(t, id, pvIds[t.pageVisitIndex % pvIds.length] as string);
    }
  }
  for (const [type, index, pv, ta] of template.repeats) {
    if (type === 'pageVisit' && pvIds.length > 0) visitRecord(pv, pvIds[index % pvIds.length] as string);
    if (type === 'tabAggregate' && taIds.length > 0) {
      const id = taIds[index % taIds.length] as string;
      aggregateRecord(ta, id, (taExpected.get(id) as TabAggregateRow).page_visit_id);
    }
  }
  return {
    pageVisits,
    tabAggregates,
    extras,
    expected: {
      pageVisits: [...pvExpected.values()].sort(byId),
      tabAggregates: [...taExpected.values()].sort(byId),
    },
  };
}

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The batch as JSON text, unknown properties appended to each record. */
export function batchEntries(batch: Batch): Entries {
  const withExtras = (type: string) => (record: Record<string, WireValue>, index: number) =>
    new Entries([...Object.entries(record), ...(batch.extras.get(`${type}:${index}`) ?? [])]);
  return new Entries([
    ['pageVisits', batch.pageVisits.map(withExtras('pageVisit'))],
    ['tabAggregates', batch.tabAggregates.map(withExtras('tabAggregate'))],
  ]);
}
