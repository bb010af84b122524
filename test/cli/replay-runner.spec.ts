import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplayItem } from '../../src/adapters/cli/replay-input.js';
import { runReplay } from '../../src/adapters/cli/replay-runner.js';
import type { ReplayOutcome, ReplayTarget } from '../../src/adapters/cli/replay-target.js';

const ok: ReplayOutcome = {
  status: 'ok',
  pageVisits: { received: 0, inserted: 0, updated: 0, unchanged: 0 },
  tabAggregates: { received: 0, inserted: 0, updated: 0, unchanged: 0 },
};

async function* items(list: Array<{ user: string; seq: number }>): AsyncGenerator<ReplayItem> {
  for (const { user, seq } of list) {
    yield { kind: 'batch', source: 'f', line: seq, userId: user, batch: { seq }, capturedStatus: undefined, bytes: 1 };
  }
}

describe('runReplay', () => {
  it('keeps each user\'s batches in input order while running up to N at once', async () => {
    const input = Array.from({ length: 60 }, (_, seq) => ({ user: `u${seq % 3}`, seq }));
    const seen: Array<{ user: string; seq: number }> = [];
    let inFlight = 0;
    let most = 0;
    // Later batches finish sooner: only the runner's chaining keeps a user's order.
    const target: ReplayTarget = {
      description: 'fake',
      needsUser: true,
      async send(userId, batch) {
        inFlight++;
        most = Math.max(most, inFlight);
        const { seq } = batch as { seq: number };
        await sleep(seq % 2 === 0 ? 6 : 1);
        seen.push({ user: userId as string, seq });
        inFlight--;
        return ok;
      },
      async close() {},
    };
    const done: number[] = [];
    await runReplay(items(input), target, { concurrency: 4, defaultUser: undefined }, { read() {}, done: (item) => done.push(item.line) });

    expect(done).to.have.length(60);
    expect(most).to.be.within(2, 4);
    for (const user of ['u0', 'u1', 'u2']) {
      const order = seen.filter((entry) => entry.user === user).map((entry) => entry.seq);
      expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    }
  });

  it('stops reading at the first fatal error, lets in-flight batches finish, and rethrows it', async () => {
    const input = Array.from({ length: 50 }, (_, seq) => ({ user: `u${seq % 5}`, seq }));
    let sent = 0;
    const target: ReplayTarget = {
      description: 'fake',
      needsUser: true,
      async send(_userId, batch) {
        sent++;
        await sleep(1);
        if ((batch as { seq: number }).seq === 3) throw new Error('database gone');
        return ok;
      },
      async close() {},
    };
    let thrown: unknown;
    await runReplay(items(input), target, { concurrency: 2, defaultUser: undefined }, { read() {}, done() {} }).catch((error: unknown) => (thrown = error));
    expect((thrown as Error).message).to.equal('database gone');
    expect(sent).to.be.lessThan(10);
  });
});
