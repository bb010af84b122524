import { expect } from 'chai';
import { ByteBudget } from '../../src/adapters/http/body-memory-budget.js';

/** Lets every settled promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ByteBudget (bodies read at once)', () => {
  it('admits requests while their bytes fit, holds back the next until bytes are released', async () => {
    const budget = new ByteBudget(10);
    const admitted: string[] = [];
    const releaseA = await budget.acquire(6);
    const releaseB = await budget.acquire(4);
    const c = budget.acquire(1).then((release) => (admitted.push('c'), release));
    await settle();
    expect(admitted).to.deep.equal([]);
    releaseA();
    await settle();
    expect(admitted).to.deep.equal(['c']);
    releaseB();
    (await c)();
  });

  it('admits in arrival order: a small request does not overtake a waiting large one', async () => {
    const budget = new ByteBudget(10);
    const admitted: string[] = [];
    const releaseFirst = await budget.acquire(8);
    const large = budget.acquire(9).then((release) => (admitted.push('large'), release));
    const small = budget.acquire(1).then((release) => (admitted.push('small'), release));
    await settle();
    expect(admitted).to.deep.equal([]);
    releaseFirst();
    await settle();
    expect(admitted).to.deep.equal(['large', 'small']);
    (await large)();
    (await small)();
  });

  it('lets a request larger than the whole budget through alone, never refusing it', async () => {
    const budget = new ByteBudget(10);
    const admitted: string[] = [];
    const releaseSmall = await budget.acquire(2);
    const huge = budget.acquire(50).then((release) => (admitted.push('huge'), release));
    await settle();
    expect(admitted).to.deep.equal([]);
    releaseSmall();
    const releaseHuge = await huge;
    expect(admitted).to.deep.equal(['huge']);
    const after = budget.acquire(1).then((release) => (admitted.push('after'), release));
    await settle();
    expect(admitted).to.deep.equal(['huge']);
    releaseHuge();
    releaseHuge(); // a second release must not free bytes twice
    (await after)();
    expect(admitted).to.deep.equal(['huge', 'after']);
  });
});
