import { ServiceError } from '../../../application/errors.js';

/** Every id must have an outcome by now; a gap would mean the SQL and its reasoning disagree. */
export function settled<T>(outcomes: Map<string, T | null>): ReadonlyMap<string, T> {
  for (const [id, outcome] of outcomes) {
    if (outcome === null) throw new ServiceError('storage_failure', `no outcome could be decided for record ${id}`);
  }
  return outcomes as ReadonlyMap<string, T>;
}
