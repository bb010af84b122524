import { z } from 'zod';
import type { FailureCode } from './failed-record.js';
import { parseTimestamp } from './timestamp.js';

/**
 * Building blocks shared by the record schemas. Each rule reports the contract's failure
 * code through `params.code`, so mapping zod issues to failed records needs no guessing.
 */

export const INT4_MAX = 2_147_483_647;

type Issue = { code: 'custom'; message: string; params: { code: FailureCode } };

function issue(code: FailureCode, message: string): Issue {
  return { code: 'custom', message, params: { code } };
}

/** 8-4-4-4-12 hex of any version and case, stored in canonical lower case. */
export const uuidField = z
  .guid({ error: 'must be a UUID (8-4-4-4-12 hexadecimal digits)' })
  .transform((value) => value.toLowerCase());

/**
 * A string the database can store as-is: well-formed Unicode, no NUL, and at most
 * `maxChars` characters counted as code points (as PostgreSQL's char_length does).
 */
export function storableText(maxChars: number) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!value.isWellFormed() || value.includes('\u0000')) {
        ctx.addIssue(issue('invalid_value', 'must be well-formed Unicode without NUL characters'));
      } else if (value.length > maxChars && codePointCount(value) > maxChars) {
        ctx.addIssue(issue('too_long', `must be at most ${maxChars} characters`));
      }
    })
    .meta({ maxLength: maxChars });
}

const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function absoluteUri(maxChars: number) {
  return storableText(maxChars)
    .superRefine((value, ctx) => {
      if (!ABSOLUTE_URI.test(value)) ctx.addIssue(issue('invalid_format', 'must be an absolute URI (with a scheme)'));
    })
    // A hint for the published JSON Schema, which cannot see the check above.
    .meta({ maxLength: maxChars, pattern: ABSOLUTE_URI.source });
}

/** RFC 3339 date-time with offset, normalised to the canonical UTC microsecond form. */
export const timestampField = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if (parsed.ok) return parsed.canonical;
    ctx.addIssue(issue(parsed.code, parsed.message));
    return z.NEVER;
  })
  .meta({ format: 'date-time' });

export function boundedInt(min: number, max: number) {
  return z
    .number()
    .int()
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });
}

function codePointCount(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) i++;
    count++;
  }
  return count;
}
