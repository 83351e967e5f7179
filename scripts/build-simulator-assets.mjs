// `node scripts/build-simulator-assets.mjs`: encodes the Veo simulator's test patterns into
// functions/assets/simulator, one 1-second H.264 clip per aspect ratio and resolution Veo 3.1 offers. Run it once
// after changing the pattern and commit the result; tests and the simulator never need ffmpeg, they only read these
// files (functions/src/simulator/assets.ts repeats a clip's 24 frames to make a video of any whole length).
// Needs ffmpeg with libx264, its AAC encoder, libfreetype and fontconfig (Debian: `apt-get install ffmpeg`) and the DejaVu fonts.
//
// Each clip is one closed GOP at 24 fps: an IDR frame and 23 P-frames that reference only frames before them in the
// same second (no B-frames, no scene-cut keyframes), so the clip can be repeated or cut after any frame and still
// decode. The pattern says SIMULATED in large letters, the frame size and rate, and the frame number within the
// second, with a square that crosses the picture once a second, so a viewer sees motion and knows it is not Veo's.
import { execFileSync } from 'node:child_process';
import console from 'node:console';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = path.join(root, 'functions', 'assets', 'simulator');
mkdirSync(outdir, { recursive: true });

// Veo's frame sizes by resolution label, landscape; 9:16 swaps them (functions/src/simulator/assets.ts FRAME_SIZES).
const SIZES = { '360p': [640, 360], '720p': [1280, 720], '1080p': [1920, 1080], '4k': [3840, 2160] };
const FPS = 24;

for (const [resolution, [long, short]] of Object.entries(SIZES)) {
  for (const aspect of ['16x9', '9x16']) {
    const [width, height] = aspect === '16x9' ? [long, short] : [short, long];
    const unit = Math.min(width, height);
    const big = Math.round(unit / 6);
    const small = Math.round(unit / 24);
    const square = Math.round(unit / 10);
    const text = (font, size, value, y) =>
      `drawtext=font=${font}:fontcolor=white:fontsize=${size}:text='${value}':x=(w-text_w)/2:y=${y}`;
    const filter = [
      `[0][1]overlay=x='(W-w)*n/${FPS - 1}':y='H*0.72':eval=frame`,
      text('DejaVu Sans', big, 'SIMULATED', 'h*0.25'),
      text('DejaVu Sans Mono', small, `Veo simulator  ${width}x${height}  ${FPS} fps`, `h*0.25+${big}*1.3`),
      text('DejaVu Sans Mono', small, `frame %{eif\\:n+1\\:d}/${FPS}`, 'h*0.6'),
    ].join(',');
    const file = path.join(outdir, `sim-${aspect}-${resolution}.mp4`);
    // prettier-ignore
    execFileSync('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0x1b2a3a:s=${width}x${height}:r=${FPS}:d=1`,
      '-f', 'lavfi', '-i', `color=c=0xf2b705:s=${square}x${square}:r=${FPS}:d=1`,
      '-filter_complex', filter,
      '-c:v', 'libx264', '-preset', 'veryslow', '-crf', '32', '-refs', '2', '-pix_fmt', 'yuv420p', '-profile:v', 'high',
      '-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0', '-bf', '0',
      '-an', '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', file,
    ], { stdio: 'inherit' });
    console.log(`${path.relative(root, file)}: ${width}x${height}, ${statSync(file).size} bytes`);
  }
}

// One second of silence as AAC-LC at 48 kHz, the audio track of videos made with audio: its frames after the first
// are identical, so any length is one frame repeated (assets.ts silentTrack).
const silence = path.join(outdir, 'sim-silence.m4a');
// prettier-ignore
execFileSync('ffmpeg', [
  '-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '1',
  '-c:a', 'aac', '-b:a', '32k', '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', silence,
], { stdio: 'inherit' });
console.log(`${path.relative(root, silence)}: ${statSync(silence).size} bytes`);
