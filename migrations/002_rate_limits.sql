-- Per-user rate-limit windows shared by all instances when RATE_LIMIT_STORE=postgres.
-- The columns are the ones rate-limiter-flexible's RateLimiterPostgres reads and writes;
-- `expire` is epoch milliseconds. Rows are short-lived and never hold browsing data.
CREATE TABLE IF NOT EXISTS rate_limits (
  key text PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
