import type { Middleware } from 'koa';
import { openApiDocument, type ContractLimits } from './openapi-document.js';
import { pageVisitJsonSchema, tabAggregateJsonSchema } from './record-schemas.js';

/** Public, unauthenticated: extension developers fetch these to validate what they send. */
export const CONTRACT_PATHS = {
  openapi: '/api/v1/openapi.json',
  pageVisit: '/api/v1/schemas/page-visit.json',
  tabAggregate: '/api/v1/schemas/tab-aggregate.json',
} as const;

function serve(document: unknown, contentType: string): Middleware {
  // Built once: the schemas cannot change while the process runs.
  const text = JSON.stringify(document);
  return (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.type = contentType;
    ctx.body = text;
  };
}

export function contractRoutes(limits: ContractLimits): Record<keyof typeof CONTRACT_PATHS, Middleware> {
  return {
    openapi: serve(openApiDocument(limits), 'application/json'),
    pageVisit: serve(pageVisitJsonSchema(), 'application/schema+json'),
    tabAggregate: serve(tabAggregateJsonSchema(), 'application/schema+json'),
  };
}
