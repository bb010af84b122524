import { expect } from 'chai';
import { parseBatch, type BatchParseResult, type ValidBatch } from '../../src/domain/batch.js';
import type { FailedRecord } from '../../src/domain/failed-record.js';
import { pageVisit, tabAggregate } from '../support/records.js';

const limits = { maxRecordsPerType: 5 };

function valid(result: BatchParseResult): ValidBatch {
  if (result.kind !== 'valid') throw new Error(`expected a valid batch, got ${JSON.stringify(result)}`);
  return result.batch;
}

function failures(body: unknown): FailedRecord[] {
  const result = parseBatch(body, limits);
  if (result.kind !== 'invalid') throw new Error(`expected failures, got ${JSON.stringify(result)}`);
  return result.failures;
}

/** The one failure of a batch holding one pageVisit with `overrides`. */
function visitFailure(overrides: Record<string, unknown>, remove?: string): FailedRecord {
  const record: Record<string, unknown> = pageVisit(overrides);
  if (remove !== undefined) delete record[remove];
  const found = failures({ pageVisits: [record] });
  expect(found, JSON.stringify(found)).to.have.length(1);
  return found[0] as FailedRecord;
}

function aggregateFailure(overrides: Record<string, unknown>, remove?: string): FailedRecord {
  const record: Record<string, unknown> = tabAggregate('6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', overrides);
  if (remove !== undefined) delete record[remove];
  const found = failures({ tabAggregates: [record] });
  expect(found, JSON.stringify(found)).to.have.length(1);
  return found[0] as FailedRecord;
}

describe('parseBatch', () => {
  describe('batch shape', () => {
    it('accepts an empty object, absent arrays and ignores other top-level keys', () => {
      const batch = valid(parseBatch({ extra: 1, version: '2' }, limits));
      expect(batch.pageVisits).to.deep.equal([]);
      expect(batch.tabAggregates).to.deep.equal([]);
      expect(batch.received).to.deep.equal({ pageVisits: 0, tabAggregates: 0 });
    });

    for (const body of [null, [], 'text', 42, true]) {
      it(`refuses a body of ${JSON.stringify(body)} as a batch failure with index null`, () => {
        expect(failures(body)).to.deep.equal([
          { type: 'batch', index: null, id: null, field: null, code: 'invalid_type', error: 'the body must be a JSON object' },
        ]);
      });
    }

    it('refuses arrays that are not arrays, naming each', () => {
      const found = failures({ pageVisits: {}, tabAggregates: null });
      expect(found.map((f) => [f.type, f.index, f.id, f.field, f.code])).to.deep.equal([
        ['batch', null, null, 'pageVisits', 'invalid_type'],
        ['batch', null, null, 'tabAggregates', 'invalid_type'],
      ]);
    });

    it('reports too_many_records for either array over the limit, and accepts exactly the limit', () => {
      const six = Array.from({ length: 6 }, () => pageVisit());
      expect(parseBatch({ pageVisits: six }, limits)).to.deep.equal({ kind: 'too_many_records', field: 'pageVisits', limit: 5 });
      expect(parseBatch({ tabAggregates: Array.from({ length: 6 }, () => ({})) }, limits)).to.deep.equal({
        kind: 'too_many_records',
        field: 'tabAggregates',
        limit: 5,
      });
      expect(valid(parseBatch({ pageVisits: six.slice(0, 5) }, limits)).pageVisits).to.have.length(5);
    });
  });

  describe('pageVisit fields', () => {
    it('accepts a full record, lower-cases ids, canonicalises visited_at and drops unknown properties', () => {
      const source = '0B7C1D2E-3F40-4A5B-8C6D-7E8F9A0B1C2D';
      const batch = valid(
        parseBatch(
          {
            pageVisits: [
              pageVisit({
                id: 'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D',
                source_page_visit_id: source,
                visited_at: '2024-05-01T12:00:00+02:00',
                favicon: 'x',
              }),
            ],
          },
          limits,
        ),
      );
      expect(batch.pageVisits).to.deep.equal([
        {
          index: 0,
          sentId: 'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D',
          record: {
            id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
            url: 'https://example.com/article?id=1',
            title: 'An article',
            visited_at: '2024-05-01T10:00:00.000000Z',
            source_page_visit_id: source.toLowerCase(),
          },
        },
      ]);
    });

    it('treats an absent source_page_visit_id as null and accepts an empty title', () => {
      const record: Record<string, unknown> = pageVisit({ title: '' });
      delete record['source_page_visit_id'];
      const [entry] = valid(parseBatch({ pageVisits: [record] }, limits)).pageVisits;
      expect(entry?.record.source_page_visit_id).to.equal(null);
      expect(entry?.record.title).to.equal('');
    });

    for (const field of ['id', 'url', 'title', 'visited_at']) {
      it(`requires ${field}`, () => {
        const failure = visitFailure({}, field);
        expect(failure).to.include({ type: 'pageVisit', index: 0, field, code: 'required' });
      });
    }

    it('names the index, the id as sent and the field of a failure', () => {
      const bad = pageVisit({ id: 'ABCDEF01-2345-4678-9ABC-DEF012345678', url: 'no-scheme' });
      const found = failures({ pageVisits: [pageVisit(), bad] });
      expect(found).to.have.length(1);
      expect(found[0]).to.include({ type: 'pageVisit', index: 1, id: 'ABCDEF01-2345-4678-9ABC-DEF012345678', field: 'url', code: 'invalid_format' });
      expect(found[0]?.error).to.match(/^url /);
    });

    it('reports one failure per problem, across records and fields', () => {
      const found = failures({ pageVisits: [pageVisit({ url: 5, title: null }), pageVisit(), pageVisit({ visited_at: 'yesterday' })] });
      expect(found.map((f) => [f.index, f.field, f.code])).to.deep.equal([
        [0, 'url', 'invalid_type'],
        [0, 'title', 'invalid_type'],
        [2, 'visited_at', 'invalid_format'],
      ]);
    });

    for (const [label, overrides, field, code] of [
      ['a numeric id', { id: 5 }, 'id', 'invalid_type'],
      ['a null id', { id: null }, 'id', 'invalid_type'],
      ['a non-UUID id', { id: 'not-a-uuid' }, 'id', 'invalid_format'],
      ['a UUID without dashes', { id: '0b7c1d2e3f404a5b8c6d7e8f9a0b1c2d' }, 'id', 'invalid_format'],
      ['a null url', { url: null }, 'url', 'invalid_type'],
      ['a url without scheme', { url: '//example.com/a' }, 'url', 'invalid_format'],
      ['an empty url', { url: '' }, 'url', 'invalid_format'],
      ['a url over 8192 characters', { url: `https://e.com/${'a'.repeat(8179)}` }, 'url', 'too_long'],
      ['a url with NUL', { url: 'https://example.com/\u0000' }, 'url', 'invalid_value'],
      ['a numeric title', { title: 5 }, 'title', 'invalid_type'],
      ['a null title', { title: null }, 'title', 'invalid_type'],
      ['a title over 4096 characters', { title: 'x'.repeat(4097) }, 'title', 'too_long'],
      ['a title with NUL', { title: 'a\u0000b' }, 'title', 'invalid_value'],
      ['a title with a lone high surrogate', { title: 'a\ud800b' }, 'title', 'invalid_value'],
      ['a title with a lone low surrogate', { title: '\udc00' }, 'title', 'invalid_value'],
      ['a numeric visited_at', { visited_at: 1714557600 }, 'visited_at', 'invalid_type'],
      ['a null visited_at', { visited_at: null }, 'visited_at', 'invalid_type'],
      ['visited_at without offset', { visited_at: '2024-05-01T10:00:00' }, 'visited_at', 'invalid_format'],
      ['visited_at on Feb 30', { visited_at: '2024-02-30T10:00:00Z' }, 'visited_at', 'invalid_value'],
      ['visited_at after 9999 in UTC', { visited_at: '9999-12-31T23:00:00-05:00' }, 'visited_at', 'out_of_range'],
      ['a numeric source_page_visit_id', { source_page_visit_id: 7 }, 'source_page_visit_id', 'invalid_type'],
      ['a non-UUID source_page_visit_id', { source_page_visit_id: 'x' }, 'source_page_visit_id', 'invalid_format'],
    ] as const) {
      it(`refuses ${label} as ${code}`, () => {
        expect(visitFailure(overrides)).to.include({ type: 'pageVisit', index: 0, field, code });
      });
    }

    it('counts astral characters as one character each', () => {
      const emoji = '\u{1F600}';
      const title = emoji.repeat(4096);
      expect(title.length).to.equal(8192);
      expect(valid(parseBatch({ pageVisits: [pageVisit({ title })] }, limits)).pageVisits).to.have.length(1);
      expect(visitFailure({ title: emoji.repeat(4097) })).to.include({ field: 'title', code: 'too_long' });
      const url = `https://e.com/${emoji.repeat(8192 - 14)}`;
      expect(valid(parseBatch({ pageVisits: [pageVisit({ url })] }, limits)).pageVisits).to.have.length(1);
    });

    it('accepts exactly 8192 url characters and 4096 title characters', () => {
      const url = `https://e.com/${'a'.repeat(8192 - 14)}`;
      expect(url).to.have.length(8192);
      expect(valid(parseBatch({ pageVisits: [pageVisit({ url, title: 't'.repeat(4096) })] }, limits)).pageVisits).to.have.length(1);
    });

    it('refuses a record that is not an object, with a null field and id', () => {
      for (const record of [null, 'x', 5, [], true]) {
        const found = failures({ pageVisits: [record], tabAggregates: [record] });
        expect(found).to.have.length(2);
        expect(found[0]).to.include({ type: 'pageVisit', index: 0, id: null, field: null, code: 'invalid_type' });
        expect(found[1]).to.include({ type: 'tabAggregate', index: 0, id: null, field: null, code: 'invalid_type' });
      }
    });

    it('names the id as null when it is not a string', () => {
      expect(visitFailure({ id: 12 })).to.include({ id: null });
    });
  });

  describe('tabAggregate fields', () => {
    it('accepts a record, lower-cases ids, keeps a null or absent scroll depth as null', () => {
      const record: Record<string, unknown> = tabAggregate('6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B', {
        id: 'DDDDDDDD-0000-4000-8000-000000000000',
        closed_at: '2024-05-01T10:02:00.1234567-01:00',
      });
      delete record['scroll_depth_percent'];
      const [entry] = valid(parseBatch({ tabAggregates: [record, tabAggregate(record['page_visit_id'] as string, { scroll_depth_percent: null })] }, limits)).tabAggregates;
      expect(entry?.record).to.deep.equal({
        id: 'dddddddd-0000-4000-8000-000000000000',
        page_visit_id: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
        total_time_seconds: 120,
        active_time_seconds: 60,
        scroll_depth_percent: null,
        closed_at: '2024-05-01T11:02:00.123456Z',
      });
    });

    it('accepts the bounds: 0 and 2147483647 seconds, 0 and 100 percent, active equal to total', () => {
      const batch = valid(
        parseBatch(
          {
            tabAggregates: [
              tabAggregate('6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', { total_time_seconds: 0, active_time_seconds: 0, scroll_depth_percent: 0 }),
              tabAggregate('6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', {
                total_time_seconds: 2147483647,
                active_time_seconds: 2147483647,
                scroll_depth_percent: 100,
              }),
            ],
          },
          limits,
        ),
      );
      expect(batch.tabAggregates).to.have.length(2);
    });

    for (const field of ['id', 'page_visit_id', 'total_time_seconds', 'active_time_seconds', 'closed_at']) {
      it(`requires ${field}`, () => {
        expect(aggregateFailure({}, field)).to.include({ type: 'tabAggregate', index: 0, field, code: 'required' });
      });
    }

    for (const [label, overrides, field, code] of [
      ['a string integer', { total_time_seconds: '5' }, 'total_time_seconds', 'invalid_type'],
      ['a fractional number', { total_time_seconds: 5.5 }, 'total_time_seconds', 'invalid_type'],
      ['a null total', { total_time_seconds: null }, 'total_time_seconds', 'invalid_type'],
      ['a boolean active time', { active_time_seconds: true }, 'active_time_seconds', 'invalid_type'],
      ['a negative total', { total_time_seconds: -1, active_time_seconds: 0 }, 'total_time_seconds', 'out_of_range'],
      ['a total past int4', { total_time_seconds: 2147483648 }, 'total_time_seconds', 'out_of_range'],
      ['a negative active time', { active_time_seconds: -1 }, 'active_time_seconds', 'out_of_range'],
      ['active more than total', { total_time_seconds: 10, active_time_seconds: 11 }, 'active_time_seconds', 'invalid_value'],
      ['a string scroll depth', { scroll_depth_percent: '50' }, 'scroll_depth_percent', 'invalid_type'],
      ['a fractional scroll depth', { scroll_depth_percent: 50.5 }, 'scroll_depth_percent', 'invalid_type'],
      ['a scroll depth over 100', { scroll_depth_percent: 101 }, 'scroll_depth_percent', 'out_of_range'],
      ['a negative scroll depth', { scroll_depth_percent: -1 }, 'scroll_depth_percent', 'out_of_range'],
      ['a null page_visit_id', { page_visit_id: null }, 'page_visit_id', 'invalid_type'],
      ['a non-UUID page_visit_id', { page_visit_id: 'abc' }, 'page_visit_id', 'invalid_format'],
      ['a null closed_at', { closed_at: null }, 'closed_at', 'invalid_type'],
      ['closed_at without offset', { closed_at: '2024-05-01T10:02:00' }, 'closed_at', 'invalid_format'],
      ['closed_at in month 13', { closed_at: '2024-13-01T10:02:00Z' }, 'closed_at', 'invalid_value'],
      ['closed_at before year 1 in UTC', { closed_at: '0001-01-01T00:00:00+00:01' }, 'closed_at', 'out_of_range'],
    ] as const) {
      it(`refuses ${label} as ${code}`, () => {
        expect(aggregateFailure(overrides)).to.include({ type: 'tabAggregate', index: 0, field, code });
      });
    }
  });

  it('reports every problem of one tabAggregate, active > total included', () => {
    const record = tabAggregate('6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', {
      total_time_seconds: 1,
      active_time_seconds: 2,
      closed_at: 'x',
      scroll_depth_percent: 500,
    });
    expect(failures({ tabAggregates: [record] }).map((f) => [f.field, f.code])).to.have.deep.members([
      ['scroll_depth_percent', 'out_of_range'],
      ['closed_at', 'invalid_format'],
      ['active_time_seconds', 'invalid_value'],
    ]);
  });

  describe('the same id twice in one batch', () => {
    it('pageVisit: the last occurrence wins, named by the first index, counted once', () => {
      const first = pageVisit({ title: 'first' });
      const second = { ...first, id: first.id.toUpperCase(), title: 'second' };
      const batch = valid(parseBatch({ pageVisits: [first, pageVisit(), second] }, limits));
      expect(batch.received.pageVisits).to.equal(3);
      expect(batch.pageVisits).to.have.length(2);
      expect(batch.pageVisits[0]).to.deep.include({ index: 0, sentId: first.id });
      expect(batch.pageVisits[0]?.record.title).to.equal('second');
    });

    it('tabAggregate: merged so that it never becomes less complete', () => {
      const visitId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
      const first = tabAggregate(visitId, { total_time_seconds: 100, active_time_seconds: 90, scroll_depth_percent: 20, closed_at: '2024-05-01T10:05:00Z' });
      const second = { ...first, total_time_seconds: 200, active_time_seconds: 10, scroll_depth_percent: null, closed_at: '2024-05-01T10:01:00Z' };
      const batch = valid(parseBatch({ tabAggregates: [first, second] }, limits));
      expect(batch.tabAggregates).to.have.length(1);
      expect(batch.tabAggregates[0]?.record).to.deep.include({
        total_time_seconds: 200,
        active_time_seconds: 90,
        scroll_depth_percent: 20,
        closed_at: '2024-05-01T10:05:00.000000Z',
      });
    });

    it('tabAggregate: a different page_visit_id is immutable_field on the later occurrence, named by its id as sent', () => {
      const first = tabAggregate('6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b');
      const second = { ...first, page_visit_id: '7f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b' };
      const shouted = { ...second, id: first.id.toUpperCase() };
      expect(failures({ tabAggregates: [first, shouted] })[0]).to.include({ index: 1, id: shouted.id });
      expect(failures({ tabAggregates: [first, second] })).to.deep.equal([
        {
          type: 'tabAggregate',
          index: 1,
          id: first.id,
          field: 'page_visit_id',
          code: 'immutable_field',
          error: 'page_visit_id cannot change once a tabAggregate is stored',
        },
      ]);
    });
  });
});
