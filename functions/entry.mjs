// The deployed entry (package.json "main"): turns on Node's module compile cache, filled at build time by
// scripts/compile-cache.mjs, so a cold instance loads the bundle's compiled code instead of compiling it; then loads
// the bundle, which registers the functions with functions-framework. A cache from another Node is ignored.
import module from 'node:module';
import { URL } from 'node:url';

// portable: entries are keyed relative to the cache folder, so a build in one path serves a checkout in another.
module.enableCompileCache?.({
  directory: new URL('../dist/compile-cache/', import.meta.url).pathname,
  portable: true,
});
await import('../dist/bundle/index.js');
