import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../src/adapters/persistence/postgres/data-dir-lock.js';

/** The pid of a process that has exited (pids are not reused that quickly). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid as number;
  await once(child, 'exit');
  return pid;
}

describe('lockDataDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'browsing-sync-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes our pid, and removes the lock on release', async () => {
    const release = await lockDataDir(dir);
    expect(await readFile(join(dir, 'server.lock'), 'utf8')).to.equal(String(process.pid));
    await release();
    expect(existsSync(join(dir, 'server.lock'))).to.equal(false);
  });

  it('creates a missing data directory', async () => {
    const nested = join(dir, 'a', 'b');
    const release = await lockDataDir(nested);
    expect(existsSync(join(nested, 'server.lock'))).to.equal(true);
    await release();
  });

  it('refuses a second lock while the holder is alive', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(join(dir, 'server.lock'), String(holder.pid));
      let caught: unknown;
      try {
        await lockDataDir(dir);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(DataDirLockedError);
      expect((caught as DataDirLockedError).pid).to.equal(holder.pid);
      expect((caught as Error).message).to.include(dir).and.to.include(String(holder.pid));
      expect(await readFile(join(dir, 'server.lock'), 'utf8')).to.equal(String(holder.pid));
    } finally {
      holder.kill();
      await once(holder, 'exit');
    }
  });

  it('takes over a lock file holding a dead pid', async () => {
    await writeFile(join(dir, 'server.lock'), String(await deadPid()));
    const release = await lockDataDir(dir);
    expect(await readFile(join(dir, 'server.lock'), 'utf8')).to.equal(String(process.pid));
    await release();
  });

  it('takes over a lock file that holds no pid', async () => {
    await writeFile(join(dir, 'server.lock'), 'garbage');
    const release = await lockDataDir(dir);
    expect(await readFile(join(dir, 'server.lock'), 'utf8')).to.equal(String(process.pid));
    await release();
  });
});
