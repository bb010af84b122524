import type { ReplayItem } from './replay-input.js';
import { UsageError } from './replay-errors.js';
import type { ReplayOutcome, ReplayTarget } from './replay-target.js';

export interface ReplayListener {
  read(item: ReplayItem): void;
  done(item: Extract<ReplayItem, { kind: 'batch' }>, userId: string | undefined, outcome: ReplayOutcome): void;
}

export interface RunOptions {
  /** Batches in flight at once, across users; one user's batches always go one after another. */
  concurrency: number;
  /** The user of batches that carry none (`--user`). */
  defaultUser: string | undefined;
}

/**
 * Reads ahead at most `concurrency` batches, so memory stays bounded whatever the input's
 * size. Each user's batches are chained in input order (a tabAggregate may need the visit
 * an earlier batch stored); different users run side by side. The first fatal error stops
 * reading, lets what is in flight finish, and is rethrown.
 */
export async function runReplay(items: AsyncIterable<ReplayItem>, target: ReplayTarget, options: RunOptions, listener: ReplayListener): Promise<void> {
  const tails = new Map<string, Promise<void>>();
  const outstanding = new Set<Promise<void>>();
  let fatal: { error: unknown } | undefined;

  for await (const item of items) {
    listener.read(item);
    if (item.kind === 'malformed') continue;
    const userId = item.userId ?? options.defaultUser;
    if (userId === undefined && target.needsUser) {
      fatal ??= { error: new UsageError(`${item.source}:${item.line} is a plain batch and names no user: pass --user SUB`) };
    }
    while (fatal === undefined && outstanding.size >= options.concurrency) await Promise.race(outstanding);
    if (fatal !== undefined) break;

    const key = userId ?? '';
    const task = (tails.get(key) ?? Promise.resolve()).then(async () => {
      if (fatal !== undefined) return;
      try {
        listener.done(item, userId, await target.send(userId, item.batch));
      } catch (error) {
        fatal ??= { error };
      }
    });
    tails.set(key, task);
    outstanding.add(task);
    void task.then(() => {
      outstanding.delete(task);
      if (tails.get(key) === task) tails.delete(key);
    });
  }
  await Promise.all(outstanding);
  if (fatal !== undefined) throw fatal.error;
}
