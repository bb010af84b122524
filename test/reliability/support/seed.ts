import fc from 'fast-check';

/**
 * One seed for the whole run, printed once so that any failure can be replayed with
 * RELIABILITY_SEED=<seed>. fast-check also prints the seed and path of a failing case.
 */
const fromEnv = process.env['RELIABILITY_SEED'];
export const SEED = fromEnv !== undefined && fromEnv !== '' ? Number.parseInt(fromEnv, 10) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

let announced = false;

export function propertyParameters<T>(numRuns: number): fc.Parameters<T> {
  if (!announced) {
    announced = true;
    console.log(`  [reliability] fast-check seed ${SEED} (replay with RELIABILITY_SEED=${SEED})`);
  }
  // endOnFailure: a failing case against a live service is reported as found; shrinking
  // would replay hundreds of requests against a database the failure may have changed.
  return { seed: SEED, numRuns, endOnFailure: true };
}
