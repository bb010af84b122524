import { expect } from 'chai';
import { ServiceError } from '../../src/application/errors.js';
import { classifySqlError, toServiceError } from '../../src/adapters/persistence/postgres/sql-errors.js';

const pgError = (code: string) => Object.assign(new Error(`database said ${code}`), { code });

describe('classifySqlError', () => {
  for (const [code, expected] of [
    ['40001', 'transient'],
    ['40P01', 'transient'],
    // The upserts insert only ids their snapshot did not show; a unique violation means another
    // transaction committed one meanwhile: retried, it is an ordinary conflict, never a 500.
    ['23505', 'transient'],
    ['57P01', 'unavailable'],
    ['08006', 'unavailable'],
    ['ECONNREFUSED', 'unavailable'],
    ['CONNECTION_CLOSED', 'unavailable'],
    ['42P01', 'unavailable'],
    ['22021', 'rejected_value'],
    ['23514', 'rejected_value'],
    ['42601', 'failure'],
  ] as const) {
    it(`${code} → ${expected}`, () => {
      expect(classifySqlError(pgError(code))).to.equal(expected);
    });
  }

  it('anything without a code is a failure, and maps to storage_failure', () => {
    expect(classifySqlError(new Error('x'))).to.equal('failure');
    expect(classifySqlError('x')).to.equal('failure');
    const mapped = toServiceError(new Error('x'));
    expect(mapped).to.be.instanceOf(ServiceError).with.property('code', 'storage_failure');
  });
});
