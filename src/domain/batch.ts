import type { z } from 'zod';
import type { FailedRecord, FailureCode, RecordType } from './failed-record.js';
import { pageVisitSchema, type PageVisit } from './page-visit.js';
import { mergeTabAggregates, tabAggregateSchema, type TabAggregate } from './tab-aggregate.js';
import { pageVisitIfValid, tabAggregateIfValid } from './valid-record-fast-path.js';

export interface BatchLimits {
  /** Most entries accepted in each of `pageVisits` and `tabAggregates`. */
  maxRecordsPerType: number;
}

/** One distinct id of a batch: its value after applying every occurrence in array order. */
export interface BatchEntry<T> {
  record: T;
  /** Array position of the id's first occurrence, used to name it in failures. */
  index: number;
  /** The id as that occurrence sent it (any case): failures name records as the client knows them. */
  sentId: string;
}

export interface ValidBatch {
  pageVisits: BatchEntry<PageVisit>[];
  tabAggregates: BatchEntry<TabAggregate>[];
  received: { pageVisits: number; tabAggregates: number };
}

export type BatchParseResult =
  | { kind: 'valid'; batch: ValidBatch }
  | { kind: 'invalid'; failures: FailedRecord[] }
  | { kind: 'too_many_records'; field: 'pageVisits' | 'tabAggregates'; limit: number };

const ARRAY_FIELDS = ['pageVisits', 'tabAggregates'] as const;

/** Checks a parsed JSON body against the batch shape, the limits and every record rule. */
export function parseBatch(body: unknown, limits: BatchLimits): BatchParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', failures: [batchFailure(null, 'invalid_type', 'the body must be a JSON object')] };
  }
  const source = body as Record<string, unknown>;
  const arrays: Record<(typeof ARRAY_FIELDS)[number], unknown[]> = { pageVisits: [], tabAggregates: [] };
  const shapeFailures: FailedRecord[] = [];
  for (const field of ARRAY_FIELDS) {
    const value = Object.hasOwn(source, field) ? source[field] : undefined;
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      shapeFailures.push(batchFailure(field, 'invalid_type', `${field} must be an array`));
    } else if (value.length > limits.maxRecordsPerType) {
      return { kind: 'too_many_records', field, limit: limits.maxRecordsPerType };
    } else {
      arrays[field] = value;
    }
  }
  if (shapeFailures.length > 0) return { kind: 'invalid', failures: shapeFailures };

  const failures: FailedRecord[] = [];
  const pageVisits = validateAll(arrays.pageVisits, 'pageVisit', pageVisitSchema, pageVisitIfValid, failures);
  const tabAggregates = validateAll(arrays.tabAggregates, 'tabAggregate', tabAggregateSchema, tabAggregateIfValid, failures);
  const batch: ValidBatch = {
    pageVisits: collapse(pageVisits, (_stored, incoming) => incoming),
    tabAggregates: collapse(tabAggregates, (stored, incoming, index, sentId) => {
      if (stored.page_visit_id !== incoming.page_visit_id) {
        failures.push(immutablePageVisitId(index, sentId));
        return stored;
      }
      return mergeTabAggregates(stored, incoming);
    }),
    received: { pageVisits: arrays.pageVisits.length, tabAggregates: arrays.tabAggregates.length },
  };
  return failures.length > 0 ? { kind: 'invalid', failures } : { kind: 'valid', batch };
}

export function immutablePageVisitId(index: number, id: string): FailedRecord {
  return {
    type: 'tabAggregate',
    index,
    id,
    field: 'page_visit_id',
    code: 'immutable_field',
    error: 'page_visit_id cannot change once a tabAggregate is stored',
  };
}

type Indexed<T> = { record: T; index: number; sentId: string };

function validateAll<S extends z.ZodType>(
  items: unknown[],
  type: RecordType,
  schema: S,
  ifValid: (item: unknown) => z.output<S> | undefined,
  failures: FailedRecord[],
): Indexed<z.output<S>>[] {
  const valid: Indexed<z.output<S>>[] = [];
  items.forEach((item, index) => {
    // The schema only for records the fast path does not accept: it names the problems.
    const record = ifValid(item);
    if (record !== undefined) {
      valid.push({ record, index, sentId: (item as { id: string }).id });
      return;
    }
    const result = schema.safeParse(item);
    // A record that passed (either way) has a string id.
    if (result.success) valid.push({ record: result.data, index, sentId: (item as { id: string }).id });
    else failures.push(...toFailedRecords(result.error.issues, type, index, item));
  });
  return valid;
}

/** Same id twice in a batch: processed as if sent one after another, in array order. */
function collapse<T extends { id: string }>(
  items: Indexed<T>[],
  apply: (stored: T, incoming: T, index: number, sentId: string) => T,
): BatchEntry<T>[] {
  const byId = new Map<string, BatchEntry<T>>();
  for (const { record, index, sentId } of items) {
    const seen = byId.get(record.id);
    if (seen === undefined) byId.set(record.id, { record, index, sentId });
    else seen.record = apply(seen.record, record, index, sentId);
  }
  return [...byId.values()];
}

function toFailedRecords(issues: z.core.$ZodIssue[], type: RecordType, index: number, item: unknown): FailedRecord[] {
  const id = isRecord(item) && typeof item['id'] === 'string' ? item['id'] : null;
  const seenFields = new Set<string>();
  const out: FailedRecord[] = [];
  for (const issue of issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
    const key = field ?? '';
    // One problem per field: zod may report several checks failing on one value.
    if (seenFields.has(key)) continue;
    seenFields.add(key);
    const { code, message } = describe(issue, field === null ? item : undefined, isRecord(item) && field !== null ? item[field] : undefined);
    out.push({ type, index, id, field, code, error: `${field ?? type} ${message}` });
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, recordInput: unknown, fieldInput: unknown): { code: FailureCode; message: string } {
  const custom = (issue as { params?: { code?: FailureCode } }).params?.code;
  if (custom !== undefined) return { code: custom, message: issue.message };
  switch (issue.code) {
    case 'invalid_type': {
      const input = issue.path.length === 0 ? recordInput : fieldInput;
      if (issue.path.length > 0 && input === undefined) return { code: 'required', message: 'is required' };
      return { code: 'invalid_type', message: `must be ${article(issue.expected)}` };
    }
    case 'invalid_format':
      return { code: 'invalid_format', message: issue.message };
    case 'too_big':
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? { code: 'too_long', message: issue.message }
        : { code: 'out_of_range', message: issue.message };
    default:
      return { code: 'invalid_value', message: issue.message };
  }
}

function article(expected: string): string {
  const names: Record<string, string> = {
    int: 'an integer',
    // Every number of the contract is an integer: "5" must be told it needs to be one.
    number: 'an integer',
    string: 'a string',
    object: 'a JSON object',
    array: 'an array',
  };
  return names[expected] ?? expected;
}

function batchFailure(field: string | null, code: FailureCode, error: string): FailedRecord {
  return { type: 'batch', index: null, id: null, field, code, error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
