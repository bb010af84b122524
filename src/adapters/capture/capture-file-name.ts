/**
 * `capture-20261203T131400Z-4711-0001.ndjson`: names sort by the time the file was started;
 * the pid keeps instances sharing a directory apart, the sequence keeps one process's files apart.
 */
export function captureFileName(startedAt: Date, pid: number, sequence: number): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `capture-${stamp}-${pid}-${String(sequence).padStart(4, '0')}.ndjson`;
}

export const CAPTURE_FILE_PATTERN = /^capture-\d{8}T\d{6}Z-\d+-\d+\.ndjson$/;
