import Router from '@koa/router';
import Koa from 'koa';
import type { Clock } from '../../application/ports.js';
import type { SyncBatch } from '../../application/sync-batch.js';
import type { CaptureSink } from '../capture/capture-writer.js';
import type { Logger } from '../logger.js';
import { ServiceMetrics } from '../metrics/service-metrics.js';
import { authenticate, type TokenVerifier } from './authenticate.js';
import { captureRequests } from './capture-requests.js';
import { concurrentBatchCap } from './concurrency-cap.js';
import { CONTRACT_PATHS, contractRoutes } from './contract/contract-routes.js';
import { corsPolicy } from './cors.js';
import { errorHandler } from './error-handler.js';
import { healthz, readyz, type ReadinessCheck } from './health-routes.js';
import { jsonBody } from './json-body.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { metricsRoute } from './metrics-route.js';
import { recordRateLimit, requestRateLimit, type LimitName, type UserLimits } from './rate-limit.js';
import { requestId } from './request-id.js';
import { requestLog } from './request-log.js';
import { requestMetrics } from './request-metrics.js';
import { syncHandler } from './sync-route.js';

export interface HttpAppDependencies {
  syncBatch: SyncBatch;
  verifier: TokenVerifier;
  readiness: ReadinessCheck;
  logger: Logger;
  maxBodyBytes: number;
  corsOrigins: string[] | undefined;
  /** Set when CAPTURE_DIR is: sync requests are recorded for `replay`. */
  capture?: { sink: CaptureSink; clock: Clock } | undefined;
  /** Shown at GET /metrics; a private registry when absent. */
  metrics?: ServiceMetrics | undefined;
  /** GET /metrics wants this bearer token when set. */
  metricsToken?: string | undefined;
  /** Per-user request and record budgets; none when absent. */
  userLimits?: UserLimits | undefined;
  /** Sync batches one user may have in flight at once; 0 or absent: no cap. */
  maxConcurrentBatchesPerUser?: number | undefined;
  /** Published in the OpenAPI document. */
  maxRecordsPerType?: number | undefined;
}

export const SYNC_PATH = '/api/v1/data/sync';

/**
 * Reads top to bottom as a request travels: errors mapped in one place, a request id,
 * the request log line and metrics, CORS, then the route: authenticate, per-user limits
 * (before the body is read), parse, the record budget, call the use case, answer.
 */
export function createHttpApp(deps: HttpAppDependencies): Koa {
  const app = new Koa();
  app.proxy = false;
  // Failures are answered and logged by errorHandler; Koa's default printer would repeat them.
  app.silent = true;

  const router = new Router();
  const capture = deps.capture === undefined ? [] : [captureRequests(deps.capture.sink, deps.capture.clock)];
  const metrics = deps.metrics ?? new ServiceMetrics({ poolMax: 1, processMetrics: false });
  const refused = (limit: LimitName) => metrics.rateLimited.inc({ limit });
  const limits = deps.userLimits === undefined ? [] : [requestRateLimit(deps.userLimits, refused)];
  const recordBudget = deps.userLimits === undefined ? [] : [recordRateLimit(deps.userLimits, refused)];
  router.post(
    SYNC_PATH,
    authenticate(deps.verifier),
    ...limits,
    concurrentBatchCap(deps.maxConcurrentBatchesPerUser ?? 0, refused),
    ...jsonBody(deps.maxBodyBytes),
    ...capture,
    ...recordBudget,
    syncHandler(deps.syncBatch),
  );
  router.all(SYNC_PATH, methodNotAllowed(['POST', 'OPTIONS']));
  router.get('/healthz', healthz);
  router.all('/healthz', methodNotAllowed(['GET', 'HEAD']));
  router.get('/readyz', readyz(deps.readiness));
  router.all('/readyz', methodNotAllowed(['GET', 'HEAD']));
  router.get('/metrics', metricsRoute(metrics.registry, deps.metricsToken));
  router.all('/metrics', methodNotAllowed(['GET', 'HEAD']));
  const contract = contractRoutes({ maxRecordsPerType: deps.maxRecordsPerType ?? 1000, maxBodyBytes: deps.maxBodyBytes });
  for (const [name, path] of Object.entries(CONTRACT_PATHS) as [keyof typeof CONTRACT_PATHS, string][]) {
    router.get(path, contract[name]);
    router.all(path, methodNotAllowed(['GET', 'HEAD']));
  }

  app.use(errorHandler(deps.logger));
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(requestMetrics(metrics));
  app.use(corsPolicy(deps.corsOrigins));
  app.use(router.routes());
  return app;
}
