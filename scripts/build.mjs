// `npm run build`: src/**/*.ts to dist/ as plain JavaScript, file for file (esbuild, the
// transformer tsx uses too, so the code that runs is the code the tests ran). The service
// runs from dist/ (`npm start`): under tsx its loader thread and source maps held ~90 MB more
// memory for the process's whole life (docs/performance.md). Type checking is `npm run typecheck`.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/**/*.ts'],
  outdir: 'dist',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
