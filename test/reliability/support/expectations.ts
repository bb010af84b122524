import { expect } from 'chai';
import type { Answer } from './http-client.js';

/** The contract's failure codes, and the checks every answer of the service must pass. */
export const FAILURE_CODES = new Set([
  'required', 'invalid_type', 'invalid_format', 'out_of_range', 'too_long', 'invalid_value',
  'unknown_page_visit', 'id_conflict', 'immutable_field',
]);

/** Never a 5xx, never a non-JSON body; a 400 is invalid_json or names at least one record. */
export function expectContractAnswer(answer: Answer, allowed: readonly number[] = [200, 400, 413, 415]): void {
  expect(allowed, `status ${answer.status}: ${answer.text.slice(0, 300)}`).to.include(answer.status);
  expect(answer.json, `a JSON body: ${answer.text.slice(0, 200)}`).to.be.an('object');
  expect(answer.headers.get('x-request-id')).to.be.a('string');
  if (answer.status === 400) {
    expect(['validation_failed', 'invalid_json']).to.include(answer.json.code);
    if (answer.json.code === 'validation_failed') expectFailedRecords(answer);
  }
  if (answer.status === 200) expect(answer.json.status).to.equal('ok');
}

export function expectFailedRecords(answer: Answer): void {
  const failed: unknown = answer.json.failed_records;
  expect(failed, 'failed_records').to.be.an('array').that.is.not.empty;
  for (const record of failed as Record<string, unknown>[]) {
    expect(['pageVisit', 'tabAggregate', 'batch']).to.include(record['type']);
    expect(FAILURE_CODES.has(record['code'] as string), `code ${String(record['code'])}`).to.equal(true);
    expect(record['error']).to.be.a('string');
    if (record['type'] === 'batch') expect(record['index']).to.equal(null);
    else expect(record['index']).to.be.a('number');
  }
}
