import { INT4_MAX } from './field-schemas.js';
import type { PageVisit } from './page-visit.js';
import type { TabAggregate } from './tab-aggregate.js';
import { parseTimestamp } from './timestamp.js';

/**
 * The common case, a valid record, checked by hand: the zod schemas allocate several objects
 * per field, which made validation the service's largest CPU cost (docs/performance.md).
 * These functions apply the same rules and build the same output as `pageVisitSchema` and
 * `tabAggregateSchema`, or answer `undefined`, and the schema then decides and names the
 * problems. So they may pass a record on to the schema needlessly, but must never accept one
 * the schema refuses; test/domain/valid-record-fast-path.spec.ts holds them to that.
 * Change them together with the schemas.
 */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

type Fields = Record<string, unknown>;

function fields(input: unknown): Fields | undefined {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Fields) : undefined;
}

function uuid(value: unknown): string | undefined {
  return typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : undefined;
}

/** Length in UTF-16 units bounds the code point count from above, so this never over-accepts. */
function storable(value: unknown, maxChars: number): value is string {
  return typeof value === 'string' && value.length <= maxChars && value.isWellFormed() && !value.includes('\u0000');
}

function timestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseTimestamp(value);
  return parsed.ok ? parsed.canonical : undefined;
}

function int(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function pageVisitIfValid(input: unknown): PageVisit | undefined {
  const record = fields(input);
  if (record === undefined) return undefined;
  const id = uuid(record['id']);
  const url = record['url'];
  const title = record['title'];
  const visitedAt = timestamp(record['visited_at']);
  const source = record['source_page_visit_id'];
  const sourceId = source === undefined || source === null ? null : uuid(source);
  if (
    id === undefined || visitedAt === undefined || sourceId === undefined ||
    !storable(url, 8192) || !ABSOLUTE_URI.test(url) || !storable(title, 4096)
  ) {
    return undefined;
  }
  return { id, url, title, visited_at: visitedAt, source_page_visit_id: sourceId };
}

export function tabAggregateIfValid(input: unknown): TabAggregate | undefined {
  const record = fields(input);
  if (record === undefined) return undefined;
  const id = uuid(record['id']);
  const pageVisitId = uuid(record['page_visit_id']);
  const total = record['total_time_seconds'];
  const active = record['active_time_seconds'];
  const scroll = record['scroll_depth_percent'];
  const closedAt = timestamp(record['closed_at']);
  if (
    id === undefined || pageVisitId === undefined || closedAt === undefined ||
    !int(total, 0, INT4_MAX) || !int(active, 0, total) ||
    !(scroll === undefined || scroll === null || int(scroll, 0, 100))
  ) {
    return undefined;
  }
  return {
    id,
    page_visit_id: pageVisitId,
    total_time_seconds: total,
    active_time_seconds: active,
    scroll_depth_percent: scroll ?? null,
    closed_at: closedAt,
  };
}
