// `npm run bundle` (part of `npm run build`): the deployed entry's esbuild bundle, dist/bundle/index.js, built from
// functions/src/index.ts. The Google client libraries, the GenAI SDK and file-type stay external (loaded from
// node_modules on first use).
// The Veo simulator stays out of it: it is a local tool (fault injection, counters, test hooks), and deployments
// always call Vertex (terraform's veo_backend allows nothing else). It is bundled on its own, beside it, as
// dist/bundle/simulator.js, and the runtime's lazy import of ./simulator/server.js becomes an import of that file: a
// bundle started without credentials (`functions-framework --target=mcp` on a laptop) still runs the embedded
// simulator, and the deployed entry never loads it. test/unit/bundle.test.ts checks both.
// Beside the bundle, dist/bundle-meta.json: esbuild's metafile, which sources each output contains.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = path.join(root, 'dist', 'bundle');
const simulatorEntry = path.join(root, 'functions', 'src', 'simulator', 'server.ts');

/** The entry's import of the simulator becomes an import of the simulator's own bundle. */
const simulatorOutside = {
  name: 'simulator-outside-bundle',
  setup(bundler) {
    bundler.onResolve({ filter: /\/simulator\/server\.js$/ }, (args) => {
      const source = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      return source === simulatorEntry ? { path: './simulator.js', external: true } : undefined;
    });
  },
};

const result = await build({
  entryPoints: {
    index: path.join(root, 'functions', 'src', 'index.ts'),
    simulator: simulatorEntry,
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  outdir,
  external: ['@google-cloud/*', '@google/genai', 'google-auth-library', 'file-type'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [simulatorOutside],
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(path.join(root, 'dist', 'bundle-meta.json'), JSON.stringify(result.metafile, null, 2));
