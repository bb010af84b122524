import { z } from 'zod';
import { absoluteUri, storableText, timestampField, uuidField } from './field-schemas.js';

export const pageVisitSchema = z.object({
  id: uuidField,
  url: absoluteUri(8192),
  title: storableText(4096),
  visited_at: timestampField,
  /** Soft reference to the visit navigated from; not required to exist. */
  source_page_visit_id: uuidField.nullable().optional().transform((value) => value ?? null),
});

/** A validated page visit: ids lower case, `visited_at` canonical UTC. */
export type PageVisit = z.output<typeof pageVisitSchema>;

export function samePageVisitContent(a: PageVisit, b: PageVisit): boolean {
  return (
    a.url === b.url &&
    a.title === b.title &&
    a.visited_at === b.visited_at &&
    a.source_page_visit_id === b.source_page_visit_id
  );
}
