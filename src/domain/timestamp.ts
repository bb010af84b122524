/**
 * RFC 3339 date-times, reduced to one canonical text per instant so that equal instants
 * compare equal everywhere (memory adapter, PostgreSQL `timestamptz`, JSON responses).
 *
 * Canonical form: UTC, microsecond precision (`2024-05-01T10:00:00.000000Z`), the
 * precision of PostgreSQL's `timestamptz`; digits beyond microseconds are truncated.
 * Instants are limited to the years 0001–9999 in UTC, which every store can hold.
 */
export type TimestampResult =
  | { ok: true; canonical: string }
  | { ok: false; code: 'invalid_format' | 'invalid_value' | 'out_of_range'; message: string };

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,30}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_MINUTE = 60_000;

export function parseTimestamp(text: string): TimestampResult {
  const m = RFC3339.exec(text);
  if (m === null) {
    return { ok: false, code: 'invalid_format', message: 'must be an RFC 3339 date-time with offset, e.g. 2024-05-01T10:00:00Z' };
  }
  // Hot path (every record has a timestamp): no intermediate arrays, and the text comes from
  // the engine's own ISO formatter.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  const offsetSign = m[8] === '-' ? -1 : 1;
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);

  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59
  ) {
    return { ok: false, code: 'invalid_value', message: 'is not a real calendar instant' };
  }

  if (m[8] === undefined) {
    // Already UTC, as clients mostly send it (Date#toISOString): the text is the canonical
    // form but for the fraction and the letter case, and no Date needs to be built.
    if (year < 1) return outOfRange();
    return { ok: true, canonical: `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z` };
  }
  const offsetMs = offsetSign * (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE;
  const utc = new Date(localTime(year, month, day, hour, minute, second) - offsetMs);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return outOfRange();
  // toISOString writes years 0001-9999 with four digits: "YYYY-MM-DDTHH:MM:SS.mmmZ".
  return { ok: true, canonical: `${utc.toISOString().slice(0, 19)}.${fraction}Z` };
}

function outOfRange(): TimestampResult {
  return { ok: false, code: 'out_of_range', message: 'must be between 0001-01-01 and 9999-12-31 (UTC)' };
}

/** Milliseconds since the epoch of a wall-clock time read as UTC. */
function localTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999, so the year is set separately.
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, 0);
  return local.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
