// Types of test/ts-loader.mjs's exports, for test/global-setup.ts.

/** The variable naming the run's folder of compiled test files (set by the global setup, read by every lane). */
export const TS_CACHE_VARIABLE: string;

/** Compiles `files` (absolute paths) into the cache folder `dir` at once. */
export function precompile(dir: string, files: string[]): Promise<void>;
