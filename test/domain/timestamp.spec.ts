import { expect } from 'chai';
import { parseTimestamp } from '../../src/domain/timestamp.js';

function canonical(text: string): string {
  const result = parseTimestamp(text);
  if (!result.ok) throw new Error(`${text} was refused: ${result.code}`);
  return result.canonical;
}

function failure(text: string): string {
  const result = parseTimestamp(text);
  if (result.ok) throw new Error(`${text} was accepted as ${result.canonical}`);
  return result.code;
}

describe('parseTimestamp', () => {
  it('canonicalises Z to UTC microseconds', () => {
    expect(canonical('2024-05-01T10:00:00Z')).to.equal('2024-05-01T10:00:00.000000Z');
    expect(canonical('2024-05-01T10:00:00.5Z')).to.equal('2024-05-01T10:00:00.500000Z');
  });

  it('converts ±hh:mm offsets to UTC, across day and year boundaries', () => {
    expect(canonical('2024-05-01T12:30:00+02:30')).to.equal('2024-05-01T10:00:00.000000Z');
    expect(canonical('2024-05-01T22:00:00-03:00')).to.equal('2024-05-02T01:00:00.000000Z');
    expect(canonical('2024-01-01T00:15:00+01:00')).to.equal('2023-12-31T23:15:00.000000Z');
    expect(canonical('2024-05-01T10:00:00+00:00')).to.equal(canonical('2024-05-01T10:00:00-00:00'));
  });

  it('truncates fractional digits beyond microseconds (never rounds)', () => {
    expect(canonical('2024-05-01T10:00:00.1234567Z')).to.equal('2024-05-01T10:00:00.123456Z');
    expect(canonical('2024-05-01T10:00:00.999999999Z')).to.equal('2024-05-01T10:00:00.999999Z');
  });

  it('accepts lower-case t and z', () => {
    expect(canonical('2024-05-01t10:00:00z')).to.equal('2024-05-01T10:00:00.000000Z');
  });

  it('knows leap years: Feb 29 of 2024 and 2000 exist, of 2023 and 1900 do not', () => {
    expect(canonical('2024-02-29T00:00:00Z')).to.equal('2024-02-29T00:00:00.000000Z');
    expect(canonical('2000-02-29T00:00:00Z')).to.equal('2000-02-29T00:00:00.000000Z');
    expect(failure('2023-02-29T00:00:00Z')).to.equal('invalid_value');
    expect(failure('1900-02-29T00:00:00Z')).to.equal('invalid_value');
  });

  for (const [label, text] of [
    ['Feb 30', '2024-02-30T00:00:00Z'],
    ['April 31', '2024-04-31T00:00:00Z'],
    ['day 0', '2024-05-00T00:00:00Z'],
    ['month 13', '2024-13-01T00:00:00Z'],
    ['month 0', '2024-00-01T00:00:00Z'],
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['minute 60', '2024-05-01T10:60:00Z'],
    ['second 60', '2024-05-01T10:00:60Z'],
    ['offset 24:00', '2024-05-01T10:00:00+24:00'],
    ['offset minutes 60', '2024-05-01T10:00:00+01:60'],
  ] as const) {
    it(`refuses ${label} as invalid_value`, () => {
      expect(failure(text)).to.equal('invalid_value');
    });
  }

  for (const [label, text] of [
    ['a missing offset', '2024-05-01T10:00:00'],
    ['a date alone', '2024-05-01'],
    ['a compact offset', '2024-05-01T10:00:00+0200'],
    ['a space instead of T', '2024-05-01 10:00:00Z'],
    ['missing seconds', '2024-05-01T10:00Z'],
    ['an empty fraction', '2024-05-01T10:00:00.Z'],
    ['a Unix time', '1714557600'],
    ['an empty string', ''],
    ['surrounding spaces', ' 2024-05-01T10:00:00Z '],
  ] as const) {
    it(`refuses ${label} as invalid_format`, () => {
      expect(failure(text)).to.equal('invalid_format');
    });
  }

  it('limits instants to the years 0001–9999 after conversion to UTC', () => {
    expect(canonical('0001-01-01T00:00:00Z')).to.equal('0001-01-01T00:00:00.000000Z');
    expect(canonical('9999-12-31T23:59:59.999999Z')).to.equal('9999-12-31T23:59:59.999999Z');
    expect(canonical('0000-12-31T23:00:00-02:00')).to.equal('0001-01-01T01:00:00.000000Z');
    expect(failure('0001-01-01T00:30:00+01:00')).to.equal('out_of_range');
    expect(failure('9999-12-31T23:00:00-02:00')).to.equal('out_of_range');
    expect(failure('0000-06-01T00:00:00Z')).to.equal('out_of_range');
  });

  it('keeps years below 100 as written (no 19xx mapping)', () => {
    expect(canonical('0042-03-04T05:06:07Z')).to.equal('0042-03-04T05:06:07.000000Z');
  });
});
