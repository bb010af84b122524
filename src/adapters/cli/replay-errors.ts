/** Bad arguments or input that cannot be replayed at all: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The target stopped answering (database down, service unreachable, token refused): exit code 2. */
export class ReplayAbortedError extends Error {
  override name = 'ReplayAbortedError';
}
