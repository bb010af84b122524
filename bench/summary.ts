/** Latency and throughput of one measured phase. */
export interface PhaseFigures {
  batches: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  batchesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Responses other than 200 (or failed requests); any makes the phase's figures suspect. */
  errors: number;
}

export function summarise(latenciesMs: number[], rows: number, seconds: number, errors: number): PhaseFigures {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    batches: latenciesMs.length,
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    batchesPerSecond: latenciesMs.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    errors,
  };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; returns per-task milliseconds. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<{ latenciesMs: number[]; seconds: number }> {
  const latenciesMs: number[] = new Array(count);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const begin = performance.now();
      await task(index);
      latenciesMs[index] = performance.now() - begin;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latenciesMs, seconds: (performance.now() - started) / 1000 };
}
