// `npm run bundle` (part of `npm run build`): the deployed entry's esbuild bundle, dist/bundle/index.js, built from
// functions/src/index.ts after tsc has compiled functions/src to dist/functions. The Google client libraries, the
// GenAI SDK and file-type stay external (loaded from node_modules on first use).
// The Veo simulator stays out too: it is a local tool (fault injection, counters, test hooks), and deployments
// always call Vertex (terraform's veo_backend allows nothing else). The runtime's lazy import of it is rewritten to
// its tsc output, so the bundle still runs the embedded simulator locally (VEO_BACKEND=simulator without
// VEO_BASE_URL, e.g. `functions-framework --target=mcp` on a laptop). test/unit/bundle.test.ts checks both.
// Beside it, dist/bundle-meta.json: esbuild's metafile, which sources the bundle contains.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = path.join(root, 'dist', 'bundle');
const simulatorSources = path.join(root, 'functions', 'src', 'simulator') + path.sep;
const compiledSources = path.join(root, 'dist', 'functions', 'src');

/** Imports of functions/src/simulator/* become imports of their compiled files in dist/functions. */
const simulatorOutside = {
  name: 'simulator-outside-bundle',
  setup(bundler) {
    bundler.onResolve({ filter: /\/simulator\// }, (args) => {
      const source = path.resolve(args.resolveDir, args.path);
      if (!source.startsWith(simulatorSources)) return undefined;
      const compiled = path.join(compiledSources, path.relative(path.join(root, 'functions', 'src'), source));
      return { path: path.relative(outdir, compiled).split(path.sep).join('/'), external: true };
    });
  },
};

const result = await build({
  entryPoints: [path.join(root, 'functions', 'src', 'index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  outfile: path.join(outdir, 'index.js'),
  external: ['@google-cloud/*', '@google/genai', 'file-type'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [simulatorOutside],
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(path.join(root, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile, null, 2));
