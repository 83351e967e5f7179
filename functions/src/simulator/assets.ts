// The simulator's committed test-pattern MP4s (functions/assets/simulator), one per aspect ratio and duration.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIMULATOR_DURATIONS = [4, 5, 6, 7, 8];

/** The repository root, found from this file whether it runs from functions/src (tsx) or dist/ (compiled). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the simulator module');
    dir = parent;
  }
  return dir;
}

const ASSET_DIR = path.join(packageRoot(), 'functions', 'assets', 'simulator');

export function assetFor(aspectRatio: string, durationSeconds: number): string {
  const shape = aspectRatio === '9:16' ? '9x16' : '16x9';
  return path.join(ASSET_DIR, `sim-${shape}-${durationSeconds}s.mp4`);
}
