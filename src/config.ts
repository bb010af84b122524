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
  };
}
