import type { PhaseFigures } from './summary.js';

export interface PhaseResult {
  name: string;
  /** Direct SQL (the ceiling) or requests to the service. */
  kind: 'ceiling' | 'http';
  concurrency: number;
  figures: PhaseFigures;
  /** Highest service RSS sampled during the phase (HTTP phases). */
  peakRssBytes: number | undefined;
  /** rows/s of this phase over rows/s of the ceiling for the same batch size. */
  ratioToCeiling: number | undefined;
  failures: Record<string, number>;
  /** CPU per batch of the service process and of the PostgreSQL backends (see cpu-time.ts). */
  serviceCpuMsPerBatch: number;
  databaseCpuMsPerBatch: number;
}

export interface Target {
  name: string;
  value: number;
  limit: number;
  /** 'min': value must be at least limit; 'max': at most. */
  bound: 'min' | 'max';
  met: boolean;
  unit: string;
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string };
  settings: Record<string, number | string | boolean>;
  phases: PhaseResult[];
  /** Peak RSS of the service over its whole life (VmHWM). */
  servicePeakRssBytes: number;
  targets: Target[];
}

const MB = 1024 * 1024;

export function target(name: string, value: number, bound: 'min' | 'max', limit: number, unit: string): Target {
  return { name, value, limit, bound, unit, met: bound === 'min' ? value >= limit : value <= limit };
}

export function formatTable(report: BenchReport): string {
  const header = ['phase', 'conc', 'batches', 'rows', 'rows/s', 'batches/s', 'p50 ms', 'p95 ms', 'p99 ms', 'svc CPU ms/b', 'db CPU ms/b', 'peak RSS MB', 'x ceiling', 'errors'];
  const rows = report.phases.map((phase) => {
    const f = phase.figures;
    return [
      phase.name,
      String(phase.concurrency),
      String(f.batches),
      String(f.rows),
      f.rowsPerSecond.toFixed(0),
      f.batchesPerSecond.toFixed(1),
      f.p50Ms.toFixed(1),
      f.p95Ms.toFixed(1),
      f.p99Ms.toFixed(1),
      phase.kind === 'ceiling' ? '-' : phase.serviceCpuMsPerBatch.toFixed(1),
      phase.databaseCpuMsPerBatch.toFixed(1),
      phase.peakRssBytes === undefined ? '-' : (phase.peakRssBytes / MB).toFixed(0),
      phase.ratioToCeiling === undefined ? '-' : phase.ratioToCeiling.toFixed(2),
      String(f.errors),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join(' | ')} |`;
  const out = [line(header), `|${widths.map((width, column) => (column === 0 ? ':' : '-') + '-'.repeat(width) + (column === 0 ? '-' : ':')).join('|')}|`, ...rows.map(line)];
  out.push('', `service peak RSS over the whole run (VmHWM): ${(report.servicePeakRssBytes / MB).toFixed(0)} MB`, '', 'targets:');
  for (const t of report.targets) {
    const value = t.unit === 'MB' ? (t.value / MB).toFixed(0) : t.value.toFixed(2);
    const limit = t.unit === 'MB' ? (t.limit / MB).toFixed(0) : String(t.limit);
    out.push(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.name}: ${value} ${t.bound === 'min' ? '>=' : '<='} ${limit}${t.unit === 'x' ? '' : ` ${t.unit}`}`);
  }
  const failed = report.phases.filter((phase) => phase.figures.errors > 0);
  for (const phase of failed) out.push(`  errors in "${phase.name}": ${JSON.stringify(phase.failures)}`);
  out.push('', `machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ${report.machine.postgres}`);
  out.push(`settings: ${Object.entries(report.settings).map(([key, value]) => `${key}=${value}`).join(' ')}`);
  return out.join('\n');
}
