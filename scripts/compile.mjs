// `npm run compile` (part of `npm run build`): functions/src/**/*.ts to dist/functions/src/**/*.js with source maps,
// file by file, for `npm start`, the veo-mcp CLI and the simulator CLI (the deployed entry is the bundle,
// scripts/bundle.mjs). esbuild only transpiles, in well under a second; the types are checked by tsc in
// `npm run typecheck:functions`, which `npm run build` runs first and `npm test` runs beside its tests.
import { globSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = path.join(root, 'dist', 'functions', 'src');
rmSync(outdir, { recursive: true, force: true }); // No output of a deleted source survives.
await build({
  entryPoints: globSync('functions/src/**/*.ts', { cwd: root }).map((file) => path.join(root, file)),
  outbase: path.join(root, 'functions', 'src'),
  outdir,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'warning',
});
