import cliProgress from 'cli-progress';
import type { RecordCounts } from '../../application/sync-batch.js';
import type { FailedRecord } from '../../domain/failed-record.js';
import type { ReplayItem } from './replay-input.js';
import type { ReplayListener } from './replay-runner.js';
import type { ReplayOutcome } from './replay-target.js';

export interface ReportOutput {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** A progress bar on stderr when it is a terminal; plain lines otherwise. */
  progressBar: boolean;
  /** The summary (and the failures) as one JSON object on stdout. */
  json: boolean;
  /** Bytes of all inputs, when known (files), for the bar. */
  totalBytes: number | undefined;
}

export interface FailureEntry {
  source: string;
  line: number;
  userId: string | null;
  /** `malformed` for a line that is not a batch; otherwise the HTTP status the batch got. */
  status: number | 'malformed';
  code: string;
  message: string;
  capturedStatus: number | null;
  /** The first few; `failedRecordsTotal` says how many there were. */
  failedRecords: FailedRecord[];
  failedRecordsTotal: number;
}

export interface ReplaySummary {
  target: string;
  dryRun: boolean;
  batches: { total: number; ok: number; failed: number; malformed: number };
  records: { inserted: number; updated: number; unchanged: number; rejected: number };
  pageVisits: RecordCounts;
  tabAggregates: RecordCounts;
  failures: FailureEntry[];
  /** Failures beyond those listed. */
  failuresOmitted: number;
  /** Set when the replay stopped early (exit code 2). */
  aborted: string | null;
}

const SHOWN_RECORDS = 3;
const LISTED_FAILURES = 100;
const PLAIN_PROGRESS_EVERY = 1000;

/** Counts outcomes and tells a person (or a program, with --json) what happened. */
export class ReplayReport implements ReplayListener {
  readonly summary: ReplaySummary;
  private bar: cliProgress.MultiBar | undefined;
  private barLine: cliProgress.SingleBar | undefined;
  private bytes = 0;

  constructor(private readonly output: ReportOutput, target: string, dryRun: boolean) {
    this.summary = {
      target,
      dryRun,
      batches: { total: 0, ok: 0, failed: 0, malformed: 0 },
      records: { inserted: 0, updated: 0, unchanged: 0, rejected: 0 },
      pageVisits: zero(),
      tabAggregates: zero(),
      failures: [],
      failuresOmitted: 0,
      aborted: null,
    };
    if (output.progressBar) {
      const total = output.totalBytes;
      this.bar = new cliProgress.MultiBar({
        stream: output.err,
        hideCursor: true,
        clearOnComplete: true,
        format:
          total === undefined
            ? '{batches} batches | {ok} ok | {failed} failed'
            : '{bar} {percentage}% | {batches} batches | {ok} ok | {failed} failed | ETA {eta_formatted}',
      });
      this.barLine = this.bar.create(total ?? 1, 0, this.barValues());
    }
  }

  read(item: ReplayItem): void {
    this.bytes += item.bytes;
    if (item.kind === 'malformed') {
      this.summary.batches.malformed++;
      this.fail({
        source: item.source,
        line: item.line,
        userId: null,
        status: 'malformed',
        code: 'malformed_line',
        message: item.reason,
        capturedStatus: null,
        failedRecords: [],
        failedRecordsTotal: 0,
      });
    }
  }

  done(item: Extract<ReplayItem, { kind: 'batch' }>, userId: string | undefined, outcome: ReplayOutcome): void {
    const { summary } = this;
    summary.batches.total++;
    if (outcome.status === 'ok') {
      summary.batches.ok++;
      add(summary.pageVisits, outcome.pageVisits);
      add(summary.tabAggregates, outcome.tabAggregates);
      for (const counts of [outcome.pageVisits, outcome.tabAggregates]) {
        summary.records.inserted += counts.inserted;
        summary.records.updated += counts.updated;
        summary.records.unchanged += counts.unchanged;
      }
    } else {
      summary.batches.failed++;
      summary.records.rejected += recordsIn(item.batch);
      this.fail({
        source: item.source,
        line: item.line,
        userId: userId ?? null,
        status: outcome.httpStatus,
        code: outcome.code,
        message: outcome.message,
        capturedStatus: item.capturedStatus ?? null,
        failedRecords: outcome.failures.slice(0, SHOWN_RECORDS),
        failedRecordsTotal: outcome.failures.length,
      });
    }
    this.progress();
  }

  /** Closes the bar and writes the summary; returns it for --json callers and tests. */
  finish(aborted?: string): ReplaySummary {
    if (aborted !== undefined) this.summary.aborted = aborted;
    this.barLine?.update(this.output.totalBytes ?? 1, this.barValues());
    this.bar?.stop();
    const { out, err, json } = this.output;
    const nothingRead = this.bytes === 0 || (this.summary.batches.total === 0 && this.summary.batches.malformed === 0);
    // Stopped before anything happened (a usage error): the reason alone says it all.
    if (json) out.write(`${JSON.stringify(this.summary, null, 2)}\n`);
    else if (aborted === undefined || !nothingRead) out.write(summaryText(this.summary));
    if (aborted !== undefined) err.write(`replay stopped: ${aborted}\n`);
    return this.summary;
  }

  private fail(entry: FailureEntry): void {
    if (this.summary.failures.length < LISTED_FAILURES) this.summary.failures.push(entry);
    else this.summary.failuresOmitted++;
    const line = failureText(entry);
    if (this.bar !== undefined) this.bar.log(line);
    else (this.output.json ? this.output.err : this.output.out).write(line);
  }

  private progress(): void {
    if (this.barLine !== undefined) {
      this.barLine.update(this.output.totalBytes === undefined ? 0 : this.bytes, this.barValues());
    } else if (this.summary.batches.total % PLAIN_PROGRESS_EVERY === 0) {
      const { total, ok, failed } = this.summary.batches;
      this.output.err.write(`progress: ${total} batches, ${ok} ok, ${failed} failed\n`);
    }
  }

  private barValues() {
    const { total, ok, failed, malformed } = this.summary.batches;
    return { batches: total, ok, failed: failed + malformed };
  }
}

function failureText(entry: FailureEntry): string {
  const totalRecords = entry.failedRecordsTotal;
  const where = `${entry.source}:${entry.line}`;
  if (entry.status === 'malformed') return `MALFORMED ${where}: ${entry.message}\n`;
  const captured = entry.capturedStatus === null ? '' : ` (captured answer ${entry.capturedStatus})`;
  const records = entry.failedRecords.map(
    (r) => `${r.type}${r.index === null ? '' : `[${r.index}]`}${r.id === null ? '' : ` ${r.id}`}${r.field === null ? '' : ` ${r.field}`} ${r.code}: ${r.error}`,
  );
  const more = totalRecords > entry.failedRecords.length ? ` (+${totalRecords - entry.failedRecords.length} more)` : '';
  const detail = records.length > 0 ? `\n    ${records.join('\n    ')}${more}` : '';
  return `FAILED ${where} user=${entry.userId ?? '-'} status=${entry.status} ${entry.code}: ${entry.message}${captured}${detail}\n`;
}

function summaryText(s: ReplaySummary): string {
  const { batches, records } = s;
  const lines = [
    `${s.dryRun ? 'dry run (nothing written) against' : 'replayed into'} ${s.target}`,
    `batches: ${batches.ok} ok, ${batches.failed} failed, ${batches.malformed} malformed line${batches.malformed === 1 ? '' : 's'}`,
    `records: ${records.inserted} inserted, ${records.updated} updated, ${records.unchanged} unchanged, ${records.rejected} rejected`,
    `  pageVisits:    ${countsText(s.pageVisits)}`,
    `  tabAggregates: ${countsText(s.tabAggregates)}`,
  ];
  if (s.failuresOmitted > 0) lines.push(`(${s.failuresOmitted} further failures not listed)`);
  return `${lines.join('\n')}\n`;
}

function countsText(c: RecordCounts): string {
  return `${c.received} received, ${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged`;
}

function zero(): RecordCounts {
  return { received: 0, inserted: 0, updated: 0, unchanged: 0 };
}

function add(into: RecordCounts, from: RecordCounts): void {
  into.received += from.received;
  into.inserted += from.inserted;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
}

/** Records a refused batch held: none of them was stored. */
function recordsIn(batch: unknown): number {
  if (typeof batch !== 'object' || batch === null) return 0;
  const { pageVisits, tabAggregates } = batch as { pageVisits?: unknown; tabAggregates?: unknown };
  return (Array.isArray(pageVisits) ? pageVisits.length : 0) + (Array.isArray(tabAggregates) ? tabAggregates.length : 0);
}
