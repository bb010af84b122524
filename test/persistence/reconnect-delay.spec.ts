import { expect } from 'chai';
import { reconnectDelaySeconds } from '../../src/adapters/persistence/postgres/postgres-client.js';

describe('reconnect delay of the database pool', () => {
  it('never waits more than 2 s between connection attempts, however long the database was away', () => {
    for (let failures = 0; failures <= 50; failures++) {
      expect(reconnectDelaySeconds(failures, () => 1)).to.be.at.most(2);
    }
    expect(reconnectDelaySeconds(50, () => 1)).to.equal(2);
  });

  it('starts short and grows, with jitter between half and all of the step', () => {
    expect(reconnectDelaySeconds(1, () => 1)).to.be.closeTo(0.03, 1e-9);
    expect(reconnectDelaySeconds(1, () => 0)).to.be.closeTo(0.015, 1e-9);
    expect(reconnectDelaySeconds(3, () => 1)).to.be.greaterThan(reconnectDelaySeconds(2, () => 1));
  });
});
