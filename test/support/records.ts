import { randomUUID } from 'node:crypto';

/** Valid wire records with fresh ids; override any field. */
export function pageVisit(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    url: 'https://example.com/article?id=1',
    title: 'An article',
    visited_at: '2024-05-01T10:00:00Z',
    source_page_visit_id: null,
    ...overrides,
  };
}

export function tabAggregate(pageVisitId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    page_visit_id: pageVisitId,
    total_time_seconds: 120,
    active_time_seconds: 60,
    scroll_depth_percent: 40,
    closed_at: '2024-05-01T10:02:00Z',
    ...overrides,
  };
}
