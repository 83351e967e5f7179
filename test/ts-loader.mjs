// How `npm test` runs TypeScript (`node --import ./test/ts-loader.mjs`): NodeNext-style `./x.js` imports from our .ts
// files resolve to `./x.ts`, and .ts files are compiled by esbuild (types dropped, parameter properties lowered, type-
// only imports elided), in synchronous hooks on the loading thread (module.registerHooks). Everything else loads as
// Node loads it. tsx does the same off-thread and also sees every require of node_modules, which cost each test
// process 0.5-1.3 s of CPU (loading the Google clients took 2.5 s instead of 1.2 s): on two cores, a tenth of the
// suite's wall time. Scripts outside the suite (bench, simulator CLI) still use tsx.
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { transformSync } from 'esbuild';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.parentURL?.endsWith('.ts') && /^\.\.?\/.*\.js$/.test(specifier)) {
      const url = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (existsSync(url)) return { url: url.href, format: 'module', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
    const file = fileURLToPath(url);
    const { code } = transformSync(readFileSync(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node24',
      sourcemap: 'inline',
      sourcefile: file,
    });
    return { format: 'module', source: code, shortCircuit: true };
  },
});
// Stack traces point into the .ts files.
process.setSourceMapsEnabled(true);
