import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/adapters/cli/program.js';
import { runCli } from '../support/cli-process.js';
import { pageVisit, tabAggregate } from '../support/records.js';
import { userRows } from '../support/table-rows.js';
import { testDatabase } from '../support/test-database.js';

const run = (args: string[], env: Record<string, string>) => runCli(args, env);

describe('browsing-sync replay (as a child process)', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-proc-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('exits 1 for a file with a malformed line, having replayed the rest; again, nothing changes', async () => {
    const user = randomUUID();
    const visits = [pageVisit(), pageVisit()];
    const lines = [
      JSON.stringify({ pageVisits: visits }),
      '{"pageVisits": [ oops',
      JSON.stringify({ tabAggregates: visits.map((visit) => tabAggregate(visit.id)) }),
    ];
    const path = join(dir, 'input.ndjson');
    await writeFile(path, `${lines.join('\n')}\n`);
    const db = await testDatabase();
    // On a server, the test database itself; embedded, a DATA_DIR of the child's own.
    const env: Record<string, string> = db.url === undefined ? { DATA_DIR: join(dir, 'data') } : { DATABASE_URL: db.url };

    const first = await run(['replay', '--user', user, path], env);
    expect(first.code, first.stderr).to.equal(1);
    expect(first.stdout).to.include(`MALFORMED ${path}:2`);
    expect(first.stdout).to.include('batches: 2 ok, 0 failed, 1 malformed line');
    expect(first.stdout).to.include('records: 4 inserted, 0 updated, 0 unchanged, 0 rejected');

    const second = await run(['replay', '--user', user, '--json', path], env);
    expect(second.code, second.stderr).to.equal(1);
    expect(JSON.parse(second.stdout).records).to.deep.equal({ inserted: 0, updated: 0, unchanged: 4, rejected: 0 });
    if (db.url !== undefined) {
      const rows = await userRows(db.database.sql, [user]);
      expect(rows.pageVisits).to.have.length(2);
      expect(rows.tabAggregates).to.have.length(2);
    }
  });

  it('exits 2 with a clear message when the server holds the embedded database', async () => {
    const dataDir = join(dir, 'locked');
    await mkdir(dataDir, { recursive: true });
    // This test process stands in for the running server: a live pid in the lock file.
    await writeFile(join(dataDir, 'server.lock'), String(process.pid));
    const path = join(dir, 'one.json');
    await writeFile(path, JSON.stringify({ pageVisits: [pageVisit()] }));

    const result = await run(['replay', '--user', 'u', path], { DATA_DIR: dataDir });

    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(`is in use by process ${process.pid}`);
    expect(result.stderr).to.include('DATABASE_URL');
  });

  it('exits 2 for a usage error', async () => {
    const result = await run(['replay', '--concurrency', '0', 'x'], {});
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('--concurrency');
  });

  it('explains every command in --help', async () => {
    const help = await run(['--help'], {});
    expect(help.code).to.equal(0);
    for (const command of ['serve', 'migrate', 'token', 'replay']) expect(help.stdout).to.match(new RegExp(`^  ${command}\\b`, 'm'));
    const replayHelp = buildProgram().commands.find((command) => command.name() === 'replay')?.helpInformation() ?? '';
    for (const option of ['--user', '--to', '--token', '--dry-run', '--concurrency', '--json']) expect(replayHelp).to.include(option);
  });
});
