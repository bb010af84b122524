import type { PageVisit } from '../src/domain/page-visit.js';
import type { TabAggregate } from '../src/domain/tab-aggregate.js';
/**
 * Deterministic wire records of realistic size, so that every run (and the ceiling and the
 * service within one run) works on the same rows.
 */
// The wire shape of a valid record is the domain's validated shape.
export type WirePageVisit = PageVisit;
export type WireTabAggregate = TabAggregate;

export interface BenchBatch {
  userId: string;
  pageVisits: WirePageVisit[];
  tabAggregates: WireTabAggregate[];
}

/** A small, fast, seedable generator (mulberry32); quality is irrelevant, repeatability is not. */
export class Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  uuid(): string {
    let hex = '';
    for (let i = 0; i < 4; i++) hex += (Math.floor(this.next() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
    const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  text(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
}

const HOSTS = ['www.example.com', 'news.example.org', 'docs.example.dev', 'shop.example.net', 'en.wikipedia.org', 'github.com'];
const WORDS = ['how', 'to', 'sync', 'the', 'browser', 'history', 'release', 'notes', 'guide', 'news', 'review', 'best', 'weather', 'recipe', 'api', 'error'];
const PATH_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const QUERY_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';

/** URLs of 40 to ~400 characters (most around 100), titles of 10 to ~120. */
function url(random: Random): string {
  const segments = random.int(1, 4);
  let path = '';
  for (let i = 0; i < segments; i++) path += `/${random.text(random.int(4, 24), PATH_CHARS)}`;
  const query = random.next() < 0.5 ? '' : `?utm_source=${random.text(8, QUERY_CHARS)}&id=${random.text(random.int(8, 40), QUERY_CHARS)}`;
  const tracking = random.next() < 0.1 ? `&gclid=${random.text(random.int(100, 250), QUERY_CHARS)}` : '';
  return `https://${random.pick(HOSTS)}${path}${query}${query === '' ? '' : tracking}`;
}

function title(random: Random): string {
  const words: string[] = [];
  const count = random.int(2, 14);
  for (let i = 0; i < count; i++) words.push(random.pick(WORDS));
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} – ${random.pick(HOSTS)}`;
}

const BASE_TIME = Date.UTC(2026, 0, 1);

export interface BatchSetOptions {
  seed: number;
  batches: number;
  perType: number;
  users: number;
  /** Prefix of the user ids, so that sets never share a user by accident. */
  userPrefix: string;
}

/** `batches` batches of `perType` pageVisits and `perType` tabAggregates, one per visit. */
export function batchSet(options: BatchSetOptions): BenchBatch[] {
  const random = new Random(options.seed);
  const out: BenchBatch[] = [];
  for (let b = 0; b < options.batches; b++) {
    const pageVisits: WirePageVisit[] = [];
    const tabAggregates: WireTabAggregate[] = [];
    let time = BASE_TIME + b * 3_600_000;
    let previous: string | null = null;
    for (let i = 0; i < options.perType; i++) {
      time += random.int(1_000, 120_000);
      const id = random.uuid();
      pageVisits.push({
        id,
        url: url(random),
        title: title(random),
        visited_at: new Date(time).toISOString(),
        source_page_visit_id: random.next() < 0.6 ? previous : null,
      });
      previous = id;
      const total = random.int(1, 3_600);
      tabAggregates.push({
        id: random.uuid(),
        page_visit_id: id,
        total_time_seconds: total,
        active_time_seconds: random.int(0, total),
        scroll_depth_percent: random.next() < 0.2 ? null : random.int(0, 100),
        closed_at: new Date(time + total * 1_000).toISOString(),
      });
    }
    out.push({ userId: `${options.userPrefix}-${b % options.users}`, pageVisits, tabAggregates });
  }
  return out;
}

export function rowCount(batches: readonly BenchBatch[]): number {
  let rows = 0;
  for (const batch of batches) rows += batch.pageVisits.length + batch.tabAggregates.length;
  return rows;
}

/** The request body, serialised once before timing starts. */
export function wireBody(batch: BenchBatch): Buffer {
  return Buffer.from(JSON.stringify({ pageVisits: batch.pageVisits, tabAggregates: batch.tabAggregates }));
}

/**
 * One batch whose JSON body is just under `targetBytes`: 1000 + 1000 records whose URLs
 * and titles are padded to fill the body.
 */
export function largeBody(seed: number, perType: number, targetBytes: number): BenchBatch {
  const [batch] = batchSet({ seed, batches: 1, perType, users: 1, userPrefix: `big-${seed}` }) as [BenchBatch];
  const random = new Random(seed);
  const base = wireBody(batch).length;
  const spare = Math.max(0, targetBytes - base - 1024);
  const perVisit = Math.floor(spare / perType);
  const urlExtra = Math.min(8_000, Math.floor(perVisit * 0.7));
  const titleExtra = Math.min(4_000, perVisit - urlExtra);
  // Slices of one random text: cheap to make, and not one repeated string the database could compress away.
  const filler = random.text(64 * 1024, QUERY_CHARS);
  const slice = (length: number) => {
    const from = random.int(0, filler.length - length);
    return filler.slice(from, from + length);
  };
  for (const visit of batch.pageVisits) {
    visit.url = `${visit.url}${visit.url.includes('?') ? '&' : '?'}p=${slice(Math.max(0, urlExtra - 3))}`.slice(0, 8192);
    visit.title = `${visit.title} ${slice(Math.max(0, titleExtra - 1))}`.slice(0, 4096);
  }
  return batch;
}
