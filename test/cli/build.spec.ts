import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUILT_ENTRY, REPO_ROOT, runCli } from '../support/cli-process.js';

/** `npm start` builds, then runs dist/: the build must be the same service, migrations included. */
describe('build: what npm start runs', function () {
  this.timeout(120_000);

  let dataDir: string;
  before(async () => {
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs')], { cwd: REPO_ROOT });
    dataDir = await mkdtemp(join(tmpdir(), 'browsing-sync-build-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('builds every source file and, from the build, applies every migration to the embedded database', async () => {
    const run = await runCli(['migrate'], { DATA_DIR: dataDir }, 60_000, BUILT_ENTRY);
    expect(run.code, run.stderr).to.equal(0);
    const migrations = (await readdir(join(REPO_ROOT, 'migrations'))).filter((name) => name.endsWith('.sql'));
    for (const name of migrations) expect(run.stdout).to.include(name);
    const status = await runCli(['migrate', '--status'], { DATA_DIR: dataDir }, 60_000, BUILT_ENTRY);
    expect(status.code, status.stderr).to.equal(0);
    for (const name of migrations) expect(status.stdout).to.match(new RegExp(`^applied\\s+${name.replace('.', '\\.')}$`, 'm'));
    expect(status.stdout).to.not.include('pending');
  });
});
