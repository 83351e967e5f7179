// `npm run build`'s last step: loads the deployed entry once so Node writes its compile cache (dist/compile-cache)
// for the bundle. Loading it only registers the functions (K_SERVICE set: nothing starts until a request), in a clean
// environment so the build machine's settings cannot fail it.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const root = new URL('../', import.meta.url);
rmSync(new URL('dist/compile-cache/', root), { recursive: true, force: true });
const result = spawnSync(process.execPath, ['functions/entry.mjs'], {
  cwd: root,
  env: { PATH: process.env.PATH, K_SERVICE: 'compile-cache', LOG_LEVEL: 'error' },
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
