import type { FailureCode } from '../../../domain/failed-record.js';
import type { HttpErrorCode } from '../http-error.js';
import { asComponent, pageVisitJsonSchema, tabAggregateJsonSchema, type JsonSchema } from './record-schemas.js';

export interface ContractLimits {
  maxRecordsPerType: number;
  maxBodyBytes: number;
}

const FAILURE_CODES = [
  'required', 'invalid_type', 'invalid_format', 'out_of_range', 'too_long', 'invalid_value',
  'unknown_page_visit', 'id_conflict', 'immutable_field',
] as const satisfies readonly FailureCode[];

const ERROR_CODES = [
  'unauthorized', 'invalid_json', 'validation_failed', 'not_found', 'method_not_allowed', 'payload_too_large',
  'too_many_records', 'unsupported_media_type', 'rate_limited', 'unavailable', 'internal_error',
] as const satisfies readonly HttpErrorCode[];

// Compile-time guards: a code added to the service but not to this document fails `tsc`.
const allFailureCodesListed: [Exclude<FailureCode, (typeof FAILURE_CODES)[number]>] extends [never] ? true : never = true;
const allErrorCodesListed: [Exclude<HttpErrorCode, (typeof ERROR_CODES)[number]>] extends [never] ? true : never = true;
void allFailureCodesListed;
void allErrorCodesListed;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

function errorResponse(description: string, codes: readonly string[], headers: string[] = []) {
  return {
    description,
    headers: Object.fromEntries(['X-Request-Id', ...headers].map((h) => [h, header(h)])),
    content: {
      'application/json': {
        schema: { allOf: [ref('Error'), { properties: { code: { enum: codes } } }] },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 description of everything the service answers, built from the same
 * record schemas the service validates with and the configured limits.
 */
export function openApiDocument(limits: ContractLimits): JsonSchema {
  const recordCounts = {
    type: 'object',
    required: ['received', 'inserted', 'updated', 'unchanged'],
    properties: {
      received: { type: 'integer', minimum: 0, description: 'Array entries received' },
      inserted: { type: 'integer', minimum: 0, description: 'Distinct ids stored for the first time' },
      updated: { type: 'integer', minimum: 0, description: 'Distinct known ids whose stored content changed' },
      unchanged: { type: 'integer', minimum: 0, description: 'Distinct known ids already stored as sent' },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'browsing-sync',
      version: '1.0.0',
      description:
        'Batch ingestion of browsing activity from the browser extension. A batch is stored whole or not at all; ' +
        'the client deletes its local copy only on 200 and keeps and retries on any other answer.',
    },
    paths: {
      '/api/v1/data/sync': {
        post: {
          operationId: 'syncBatch',
          summary: 'Store one batch of pageVisits and tabAggregates',
          description:
            'Checks run in order: authentication (401), media type (415), size (413), JSON syntax (400 invalid_json), ' +
            'batch shape and record rules (400 validation_failed), storage rules (400 validation_failed), storage (503/500). ' +
            `Per-user rate limits answer 429. The body may be gzip or deflate encoded; at most ${limits.maxBodyBytes} bytes after decompression.`,
          security: [{ bearerAuth: [] }],
          parameters: [
            { name: 'Content-Encoding', in: 'header', required: false, schema: { enum: ['identity', 'gzip', 'deflate'] } },
            { name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SyncRequest') } } },
          responses: {
            '200': {
              description: 'The whole batch is durably committed',
              headers: { 'X-Request-Id': header('X-Request-Id') },
              content: { 'application/json': { schema: ref('SyncResponse') } },
            },
            '400': {
              description: 'invalid_json: the body is not JSON; validation_failed: records break the rules. Nothing was saved.',
              headers: { 'X-Request-Id': header('X-Request-Id') },
              content: { 'application/json': { schema: { oneOf: [ref('ValidationError'), { allOf: [ref('Error'), { properties: { code: { const: 'invalid_json' } } }] }] } } },
            },
            '401': errorResponse('Missing, malformed, expired or wrongly signed access token (RFC 6750)', ['unauthorized'], ['WWW-Authenticate']),
            '405': errorResponse('Another method than POST', ['method_not_allowed'], ['Allow']),
            '413': errorResponse(`Body over ${limits.maxBodyBytes} bytes, or over ${limits.maxRecordsPerType} records of one type`, ['payload_too_large', 'too_many_records']),
            '415': errorResponse('Content-Type is not application/json, or an unsupported Content-Encoding', ['unsupported_media_type']),
            '429': errorResponse('Per-user rate limit: requests or records per minute, or batches in flight at once', ['rate_limited'], ['Retry-After']),
            '500': errorResponse('Unexpected failure; nothing was saved', ['internal_error']),
            '503': errorResponse('The database (or the token key set) is unreachable; nothing was saved', ['unavailable'], ['Retry-After']),
          },
        },
        options: {
          operationId: 'syncPreflight',
          summary: 'CORS preflight for browser-extension origins',
          responses: { '204': { description: 'Preflight answered' } },
        },
      },
      '/healthz': {
        get: { operationId: 'health', summary: 'Liveness', responses: { '200': { description: 'The process runs', content: { 'application/json': { schema: ref('Status') } } } } },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Readiness: the database answers and migrations are applied',
          responses: {
            '200': { description: 'Ready', content: { 'application/json': { schema: ref('Status') } } },
            '503': { description: 'Not ready', headers: { 'Retry-After': header('Retry-After') }, content: { 'application/json': { schema: ref('Status') } } },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics (bearer token required when METRICS_TOKEN is set)',
          security: [{}, { metricsToken: [] }],
          responses: {
            '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
            '401': errorResponse('METRICS_TOKEN is set and the request does not carry it', ['unauthorized'], ['WWW-Authenticate']),
          },
        },
      },
      '/api/v1/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
      '/api/v1/schemas/page-visit.json': {
        get: { operationId: 'pageVisitSchema', summary: 'JSON Schema (2020-12) of a pageVisit', responses: { '200': { description: 'JSON Schema', content: { 'application/schema+json': { schema: { type: 'object' } } } } } },
      },
      '/api/v1/schemas/tab-aggregate.json': {
        get: { operationId: 'tabAggregateSchema', summary: 'JSON Schema (2020-12) of a tabAggregate', responses: { '200': { description: 'JSON Schema', content: { 'application/schema+json': { schema: { type: 'object' } } } } } },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token of the user-authentication service; `sub` names the user' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN value' },
      },
      headers: {
        'X-Request-Id': { description: 'The request id (an incoming sane X-Request-Id is reused)', schema: { type: 'string' } },
        'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
        'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750)', schema: { type: 'string' } },
        Allow: { description: 'The allowed methods', schema: { type: 'string' } },
      },
      schemas: {
        PageVisit: asComponent(pageVisitJsonSchema()),
        TabAggregate: asComponent(tabAggregateJsonSchema()),
        SyncRequest: {
          type: 'object',
          description: 'Either array may be absent (empty). Other top-level keys are ignored.',
          properties: {
            pageVisits: { type: 'array', maxItems: limits.maxRecordsPerType, items: ref('PageVisit') },
            tabAggregates: { type: 'array', maxItems: limits.maxRecordsPerType, items: ref('TabAggregate') },
          },
        },
        RecordCounts: recordCounts,
        SyncResponse: {
          type: 'object',
          required: ['status', 'requestId', 'pageVisits', 'tabAggregates'],
          properties: {
            status: { const: 'ok' },
            requestId: { type: 'string' },
            pageVisits: ref('RecordCounts'),
            tabAggregates: ref('RecordCounts'),
          },
        },
        Error: {
          type: 'object',
          required: ['error', 'code', 'requestId'],
          properties: {
            error: { type: 'string', description: 'A message for a person' },
            code: { enum: [...ERROR_CODES] },
            requestId: { type: 'string' },
          },
        },
        FailedRecord: {
          type: 'object',
          required: ['type', 'index', 'id', 'field', 'code', 'error'],
          properties: {
            type: { enum: ['pageVisit', 'tabAggregate', 'batch'] },
            index: { type: ['integer', 'null'], minimum: 0, description: 'Position in its array; null for the batch itself' },
            id: { type: ['string', 'null'], description: "The record's id when it is a string" },
            field: { type: ['string', 'null'] },
            code: { enum: [...FAILURE_CODES] },
            error: { type: 'string' },
          },
        },
        ValidationError: {
          allOf: [
            ref('Error'),
            {
              type: 'object',
              required: ['failed_records'],
              properties: { code: { const: 'validation_failed' }, failed_records: { type: 'array', items: ref('FailedRecord') } },
            },
          ],
        },
        Status: {
          type: 'object',
          required: ['status'],
          properties: { status: { enum: ['ok', 'ready', 'unavailable'] }, requestId: { type: 'string' } },
        },
      },
    },
  };
}
