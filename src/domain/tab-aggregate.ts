import { z } from 'zod';
import { boundedInt, INT4_MAX, timestampField, uuidField } from './field-schemas.js';

export const tabAggregateSchema = z
  .object({
    id: uuidField,
    page_visit_id: uuidField,
    total_time_seconds: boundedInt(0, INT4_MAX),
    active_time_seconds: boundedInt(0, INT4_MAX),
    scroll_depth_percent: boundedInt(0, 100).nullable().optional().transform((value) => value ?? null),
    closed_at: timestampField,
  })
  .refine((record) => record.active_time_seconds <= record.total_time_seconds, {
    path: ['active_time_seconds'],
    error: 'must not be more than total_time_seconds',
    params: { code: 'invalid_value' },
    // Comparing with an invalid total (or active time) would report a second, misleading problem.
    // A record that is not an object at all (null, 5, []) has nothing to compare: the check
    // would throw on it and turn a 400 into a 500.
    when: (payload) =>
      typeof payload.value === 'object' &&
      payload.value !== null &&
      !Array.isArray(payload.value) &&
      !payload.issues.some((issue) => ['total_time_seconds', 'active_time_seconds'].includes(String(issue.path?.[0]))),
  });

/** A validated tab aggregate: ids lower case, `closed_at` canonical UTC. */
export type TabAggregate = z.output<typeof tabAggregateSchema>;

/**
 * Reconciliation rule: an aggregate never becomes less complete. Each measure keeps the
 * larger of the two values (a missing scroll depth is the least complete). `active <= total`
 * survives the merge because each side satisfied it.
 */
export function mergeTabAggregates(stored: TabAggregate, incoming: TabAggregate): TabAggregate {
  return {
    id: stored.id,
    page_visit_id: stored.page_visit_id,
    total_time_seconds: Math.max(stored.total_time_seconds, incoming.total_time_seconds),
    active_time_seconds: Math.max(stored.active_time_seconds, incoming.active_time_seconds),
    scroll_depth_percent: maxNullable(stored.scroll_depth_percent, incoming.scroll_depth_percent),
    closed_at: stored.closed_at >= incoming.closed_at ? stored.closed_at : incoming.closed_at,
  };
}

export function sameTabAggregateContent(a: TabAggregate, b: TabAggregate): boolean {
  return (
    a.page_visit_id === b.page_visit_id &&
    a.total_time_seconds === b.total_time_seconds &&
    a.active_time_seconds === b.active_time_seconds &&
    a.scroll_depth_percent === b.scroll_depth_percent &&
    a.closed_at === b.closed_at
  );
}

function maxNullable(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
