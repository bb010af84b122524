#!/usr/bin/env node
// Applied after `npm install`/`npm ci` (package.json "postinstall").
//
// postgres.js 3.4.9 crashes the process when a connection dies mid-transaction
// (porsager/postgres#1154, #1208; fixes proposed in #1168, #1176, #1209, none released):
// sql.begin() sends ROLLBACK on the dead connection, the write is deferred with
// setImmediate, and nextWrite() dereferences the socket that closed() has set to null:
// an uncaughtException that no try/catch can stop. closed() and terminate() also clear the
// write timer without resetting it, so a reconnected connection can never flush a small
// write again (its queries hang). The reliability suite (test/reliability/faults.spec.ts)
// hits both by terminating backends during a load.
//
// Also: a new connection fetches the array types with a promise nobody handles
// (`return fetchArrayTypes()` in ReadyForQuery); a backend terminated at that moment is an
// unhandledRejection, which ends a Node process as well.
//
// The patch: a write to a closed connection fails its queries with CONNECTION_CLOSED
// (which the service answers with 503), the timer and buffer are reset on close, and a
// failed type fetch is left to the connection's own close handling (the next connection
// fetches the types again).
// Each change is applied only to the exact text of 3.4.9, and only once.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* browsing-sync: patched nextWrite guard */';
const FILES = ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'];

const REPLACEMENTS = [
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  ],
  ['        return fetchArrayTypes()\n', '        return fetchArrayTypes().catch(() => {})\n'],
  ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
  ['    remaining = 0\n    incomings = null\n    clearImmediate(nextWriteTimer)\n', '    remaining = 0\n    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n'],
];

const root = fileURLToPath(new URL('../node_modules/postgres/', import.meta.url));
const manifest = await readFile(join(root, 'package.json'), 'utf8').catch(() => undefined);
if (manifest === undefined) {
  console.warn('patch-postgres-driver: postgres is not installed; nothing to patch');
  process.exit(0);
}
const { version } = JSON.parse(manifest);
if (version !== '3.4.9') {
  console.warn(`patch-postgres-driver: postgres ${version} is not 3.4.9; check whether it still needs the nextWrite guard`);
  process.exit(0);
}
for (const file of FILES) {
  const path = join(root, file);
  const original = await readFile(path, 'utf8').catch(() => undefined);
  if (original === undefined) continue;
  let text = original;
  for (const [from, to] of REPLACEMENTS) {
    if (text.includes(to)) continue;
    if (!text.includes(from)) {
      console.error(`patch-postgres-driver: ${file} does not look like postgres 3.4.9; not patched`);
      process.exit(1);
    }
    text = text.replace(from, to);
  }
  if (text !== original) await writeFile(path, text);
}
console.log('patch-postgres-driver: postgres 3.4.9 guards in place');
