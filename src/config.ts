import { z } from 'zod';

/**
 * The whole configuration, read from the environment once at start. Nothing else reads
 * `process.env`. A bad value stops the process with a message naming the variable.
 */
const MIB = 1024 * 1024;

const optionalText = z.string().trim().min(1).optional();
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  DATA_DIR: z.string().min(1).default('./.data'),
  JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  JWT_PUBLIC_KEY: optionalText,
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  JWT_CLOCK_TOLERANCE_S: int(0, 3600).default(30),
  SYNC_MAX_RECORDS: int(1, 100_000).default(1000),
  SYNC_MAX_BODY_BYTES: int(1024, 512 * MIB).default(5 * MIB),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? undefined : value.split(',').map((o) => o.trim()).filter(Boolean))),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['0', '1', 'false', 'true']).default('0').transform((value) => value === '1' || value === 'true'),
  METRICS_TOKEN: optionalText,
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 600_000).default(15_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 3_600_000).default(60_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(0, 600_000).default(5_000),
  RATE_LIMIT_REQUESTS_PER_MINUTE: int(0, 1_000_000).default(120),
  RATE_LIMIT_RECORDS_PER_MINUTE: int(0, 100_000_000).default(20_000),
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres']).default('memory'),
  SYNC_MAX_CONCURRENT_PER_USER: int(0, 10_000).default(8),
  DATABASE_ACQUIRE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  DATABASE_TRANSACTION_TIMEOUT_MS: int(100, 600_000).default(30_000),
  CAPTURE_DIR: optionalText,
  CAPTURE_MAX_FILE_BYTES: int(1024, 64 * 1024 * MIB).default(256 * MIB),
  CAPTURE_QUEUE_MAX_BYTES: int(1024, 4096 * MIB).default(32 * MIB),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  production: boolean;
  http: { host: string; port: number; corsOrigins: string[] | undefined };
  database: { url: string | undefined; poolMax: number; dataDir: string };
  auth: {
    secret: string | undefined;
    publicKey: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    clockToleranceSeconds: number;
  };
  sync: { maxRecordsPerType: number; maxBodyBytes: number };
  logLevel: Env['LOG_LEVEL'];
  logPretty: boolean;
  /** `GET /metrics` wants this bearer token when set. */
  metrics: { token: string | undefined };
  /** How long in-flight requests may run on after SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  /** A sync transaction without a database connection after the first, or unfinished after the second, answers 503. */
  databaseDeadlines: { acquireTimeoutMs: number; transactionTimeoutMs: number };
  httpTimeouts: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Per-user limits; 0 switches a limit off. */
  rateLimit: {
    requestsPerMinute: number;
    recordsPerMinute: number;
    store: 'memory' | 'postgres';
    maxConcurrentBatches: number;
  };
  /** Sync requests appended as NDJSON to `dir` when set (see docs/cli.md). */
  capture: { dir: string | undefined; maxFileBytes: number; maxQueueBytes: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as most deployment tools write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const keys = [e.JWT_SECRET, e.JWT_PUBLIC_KEY, e.JWT_JWKS_URL].filter((value) => value !== undefined);
  if (keys.length > 1) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET, JWT_PUBLIC_KEY and JWT_JWKS_URL: set only one of them');
  }
  const production = e.NODE_ENV === 'production';
  if (production && keys.length === 0) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: one is required when NODE_ENV=production');
  }
  return {
    production,
    http: { host: e.HOST, port: e.PORT, corsOrigins: e.CORS_ORIGINS },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, dataDir: e.DATA_DIR },
    auth: {
      secret: e.JWT_SECRET,
      publicKey: e.JWT_PUBLIC_KEY,
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_S,
    },
    sync: { maxRecordsPerType: e.SYNC_MAX_RECORDS, maxBodyBytes: e.SYNC_MAX_BODY_BYTES },
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    metrics: { token: e.METRICS_TOKEN },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    databaseDeadlines: { acquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS, transactionTimeoutMs: e.DATABASE_TRANSACTION_TIMEOUT_MS },
    httpTimeouts: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      // Node refuses a headers timeout longer than the request timeout.
      requestTimeoutMs: Math.max(e.HTTP_REQUEST_TIMEOUT_MS, e.HTTP_HEADERS_TIMEOUT_MS),
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    rateLimit: {
      requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE,
      recordsPerMinute: e.RATE_LIMIT_RECORDS_PER_MINUTE,
      store: e.RATE_LIMIT_STORE,
      maxConcurrentBatches: e.SYNC_MAX_CONCURRENT_PER_USER,
    },
    capture: { dir: e.CAPTURE_DIR, maxFileBytes: e.CAPTURE_MAX_FILE_BYTES, maxQueueBytes: e.CAPTURE_QUEUE_MAX_BYTES },
  };
}
