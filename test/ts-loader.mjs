// How `npm test` runs TypeScript (`node --import ./test/ts-loader.mjs`): NodeNext-style `./x.js` imports from our .ts
// files resolve to `./x.ts`, and .ts files are compiled by esbuild (types dropped, parameter properties lowered, type-
// only imports elided), in synchronous hooks on the loading thread (module.registerHooks). Everything else loads as
// Node loads it. tsx does the same off-thread and also sees every require of node_modules, which cost each test
// process 0.5-1.3 s of CPU (loading the Google clients took 2.5 s instead of 1.2 s): on two cores, a tenth of the
// suite's wall time. Scripts outside the suite (bench, simulator CLI) still use tsx.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { registerHooks, setSourceMapsSupport } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { transform, transformSync } from 'esbuild';

/**
 * Within one `npm test` run, a compiled file is kept in the run's folder (test/global-setup.ts sets this variable and
 * compiles the suite's files once before the lanes start), named by the file's path and content, so the lanes share
 * one compilation instead of each compiling the same helpers and sources again in its own esbuild process.
 */
export const TS_CACHE_VARIABLE = 'VEO_TEST_TS_CACHE';
const OPTIONS = { loader: 'ts', format: 'esm', target: 'node24', sourcemap: 'inline' };

/** The cache entry of `file` with `source`, in `dir`. */
function cachedPath(dir, file, source) {
  return path.join(dir, `${createHash('sha256').update(`${file}\0${source}`).digest('hex')}.js`);
}

/** Writes a compiled file whole (readers never see part of one). */
function writeCached(entry, code) {
  writeFileSync(`${entry}.${process.pid}`, code);
  renameSync(`${entry}.${process.pid}`, entry);
}

/** esbuild's options for `file` (types dropped, parameter properties lowered, type-only imports elided). */
const transformOptions = (file) => ({ ...OPTIONS, sourcefile: file });

/** Compiles `files` (absolute paths) into the cache `dir` at once, on one esbuild service. */
export async function precompile(dir, files) {
  await Promise.all(
    files.map(async (file) => {
      const source = readFileSync(file, 'utf8');
      const { code } = await transform(source, transformOptions(file));
      writeCached(cachedPath(dir, file, source), code);
    }),
  );
}

function compile(file) {
  const source = readFileSync(file, 'utf8');
  const dir = process.env[TS_CACHE_VARIABLE];
  const entry = dir ? cachedPath(dir, file, source) : undefined;
  if (entry && existsSync(entry)) return readFileSync(entry, 'utf8');
  const { code } = transformSync(source, transformOptions(file));
  if (entry) writeCached(entry, code);
  return code;
}

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
    return { format: 'module', source: compile(fileURLToPath(url)), shortCircuit: true };
  },
});
// Stack traces point into the .ts files. Only ours: process.setSourceMapsEnabled(true) also read and indexed the source
// map of every module loaded from node_modules that ships one, 1.5 % of each lane's CPU for stacks we never read.
setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
