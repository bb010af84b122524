/** Counters for docs/reliability.md: what a run tried and what it proved. */
export const figures = {
  casesTried: 0,
  requestsSent: 0,
  requestsTimedOut: 0,
  faultsInjected: 0,
  batchesAcknowledged: 0,
  rowsAudited: 0,
  lost: 0,
  partiallyStored: 0,
};

export type Figure = keyof typeof figures;

export function count(figure: Figure, by = 1): void {
  figures[figure] += by;
}

export function reportFigures(label: string): void {
  const parts = Object.entries(figures).map(([name, value]) => `${name}=${value}`);
  console.log(`  [reliability] ${label}: ${parts.join(' ')}`);
}
