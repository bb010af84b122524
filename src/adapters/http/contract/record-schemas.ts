import { z } from 'zod';
import { pageVisitSchema } from '../../../domain/page-visit.js';
import { tabAggregateSchema } from '../../../domain/tab-aggregate.js';

export type JsonSchema = Record<string, unknown>;

/**
 * The records' JSON Schemas (draft 2020-12), generated from the very zod schemas the
 * service validates with, as the client sends them (`io: 'input'`). Rules JSON Schema
 * cannot state (active ≤ total, a real calendar date, well-formed Unicode) stay in the
 * descriptions; the service checks them all the same.
 */
export function pageVisitJsonSchema(): JsonSchema {
  return {
    ...z.toJSONSchema(pageVisitSchema, { io: 'input' }),
    title: 'pageVisit',
    description:
      'One page navigation. Unknown properties are ignored. Strings must be well-formed Unicode without NUL; ' +
      'visited_at must be a real calendar instant between 0001 and 9999 (UTC).',
  };
}

export function tabAggregateJsonSchema(): JsonSchema {
  return {
    ...z.toJSONSchema(tabAggregateSchema, { io: 'input' }),
    title: 'tabAggregate',
    description:
      'Engagement with one pageVisit of the same user. Unknown properties are ignored. ' +
      'active_time_seconds must not be more than total_time_seconds; closed_at must be a real calendar instant.',
  };
}

/** The same schema as a component of the OpenAPI document (which states the dialect once). */
export function asComponent(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
