import Router from '@koa/router';
import Koa from 'koa';
import type { SyncBatch } from '../../application/sync-batch.js';
import type { Logger } from '../logger.js';
import { authenticate, type TokenVerifier } from './authenticate.js';
import { corsPolicy } from './cors.js';
import { errorHandler } from './error-handler.js';
import { healthz, readyz, type ReadinessCheck } from './health-routes.js';
import { jsonBody } from './json-body.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { requestId } from './request-id.js';
import { syncHandler } from './sync-route.js';

export interface HttpAppDependencies {
  syncBatch: SyncBatch;
  verifier: TokenVerifier;
  readiness: ReadinessCheck;
  logger: Logger;
  maxBodyBytes: number;
  corsOrigins: string[] | undefined;
}

export const SYNC_PATH = '/api/v1/data/sync';

/**
 * Reads top to bottom as a request travels: errors mapped in one place, a request id,
 * CORS, then the route: authenticate, parse, call the use case, answer.
 */
export function createHttpApp(deps: HttpAppDependencies): Koa {
  const app = new Koa();
  app.proxy = false;
  // Failures are answered and logged by errorHandler; Koa's default printer would repeat them.
  app.silent = true;

  const router = new Router();
  router.post(SYNC_PATH, authenticate(deps.verifier), ...jsonBody(deps.maxBodyBytes), syncHandler(deps.syncBatch));
  router.all(SYNC_PATH, methodNotAllowed(['POST', 'OPTIONS']));
  router.get('/healthz', healthz);
  router.all('/healthz', methodNotAllowed(['GET', 'HEAD']));
  router.get('/readyz', readyz(deps.readiness));
  router.all('/readyz', methodNotAllowed(['GET', 'HEAD']));

  app.use(errorHandler(deps.logger));
  app.use(requestId());
  app.use(corsPolicy(deps.corsOrigins));
  app.use(router.routes());
  return app;
}
