// The simulator's videos: real, playable H.264 MP4s that are what they say they are — the requested aspect ratio,
// Veo's frame size for the requested resolution, 24 fps and the requested length — marked SIMULATED in the picture.
//
// Design: functions/assets/simulator holds one 1-second clip per aspect ratio and resolution (a closed GOP of 24
// frames, built once by scripts/build-simulator-assets.mjs with ffmpeg; about 120 kB for all eight). A video of N
// frames repeats that clip's encoded frames and writes them into a plain MP4 (mp4-writer.ts): no encoder at runtime
// or in tests, any whole-frame length (extensions add 7 s to whatever length their input had), and a 4K 8-second
// video costs a file read once and a few buffer copies after that. With audio (Veo 3.1's default; generateAudio
// false turns it off) the video also has an AAC track of silence as long as the picture, repeated from one silent
// frame of a committed clip (sim-silence.m4a).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudioFrame, readMp4, type Mp4AudioFrame, type Mp4Video } from './mp4-reader.js';
import { writeMp4, type Mp4Track } from './mp4-writer.js';

/** Veo's frame rate: every Veo 3.1 output is 24 fps (docs.cloud.google.com/…/models/veo/3-1-generate, 2026-12-02). */
export const FPS = 24;

export const SIMULATOR_ASPECT_RATIOS = ['16:9', '9:16'] as const;
export type AspectRatio = (typeof SIMULATOR_ASPECT_RATIOS)[number];
/** Veo 3.1's resolutions, and Omni's 360p draft. */
export const SIMULATOR_RESOLUTIONS = ['360p', '720p', '1080p', '4k'] as const;
/** The resolutions Veo 3.1 makes (Omni adds 360p). */
export const VEO_RESOLUTIONS = ['720p', '1080p', '4k'] as const;
export type SimResolution = (typeof SIMULATOR_RESOLUTIONS)[number];

/**
 * Frame size of each resolution label in landscape (9:16 swaps width and height): 720p 1280×720, 1080p
 * 1920×1080, 4k 3840×2160, the sizes Vertex's Veo outputs have (video-models research note §2; Gemini API changelog
 * 2026-01-13 for 4K and portrait in every resolution).
 */
const LANDSCAPE: Record<SimResolution, { width: number; height: number }> = {
  '360p': { width: 640, height: 360 },
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
  '4k': { width: 3840, height: 2160 },
};

export function frameSize(
  aspectRatio: AspectRatio,
  resolution: SimResolution,
): { width: number; height: number } {
  const { width, height } = LANDSCAPE[resolution];
  return aspectRatio === '16:9' ? { width, height } : { width: height, height: width };
}

/** The aspect ratio and resolution label of a frame size Veo makes, or undefined for any other size. */
export function shapeOf(
  width: number,
  height: number,
): { aspectRatio: AspectRatio; resolution: SimResolution } | undefined {
  for (const aspectRatio of SIMULATOR_ASPECT_RATIOS) {
    for (const resolution of VEO_RESOLUTIONS) {
      const size = frameSize(aspectRatio, resolution);
      if (size.width === width && size.height === height) return { aspectRatio, resolution };
    }
  }
  return undefined;
}

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

export function clipPath(aspectRatio: AspectRatio, resolution: SimResolution): string {
  return path.join(ASSET_DIR, `sim-${aspectRatio === '9:16' ? '9x16' : '16x9'}-${resolution}.mp4`);
}

/** Each clip read and parsed once per process. */
const clips = new Map<string, Mp4Video>();

function clip(aspectRatio: AspectRatio, resolution: SimResolution): Mp4Video {
  const file = clipPath(aspectRatio, resolution);
  let video = clips.get(file);
  if (!video) {
    video = readMp4(readFileSync(file), { withSamples: true });
    const size = frameSize(aspectRatio, resolution);
    if (
      video.width !== size.width ||
      video.height !== size.height ||
      video.frames !== FPS ||
      !video.frameTicks
    ) {
      throw new Error(`${file} is not a 1-second ${size.width}x${size.height} clip at ${FPS} fps`);
    }
    clips.set(file, video);
  }
  return video;
}

let silence: Mp4AudioFrame | undefined;

/** AAC frames of silence lasting exactly `seconds` (the last one cut short: 1024-sample frames do not divide it). */
function silentTrack(seconds: number): Mp4Track {
  // Frame 0 of an encoder's output carries its tag; the frames after it are identical silent frames.
  silence ??= readAudioFrame(readFileSync(path.join(ASSET_DIR, 'sim-silence.m4a')), 1);
  const frame = silence.frame;
  const ticks = Math.round(seconds * silence.timescale);
  const count = Math.ceil(ticks / silence.frameTicks);
  return {
    kind: 'audio',
    timescale: silence.timescale,
    frameTicks: silence.frameTicks,
    lastTicks: ticks - (count - 1) * silence.frameTicks,
    stsd: silence.stsd,
    samples: Array.from({ length: count }, () => ({ data: frame, sync: true })),
  };
}

/**
 * An MP4 of `frames` frames (24 a second) at Veo's frame size for the aspect ratio and resolution, with a silent
 * audio track of the same length when `audio`.
 */
export function makeVideo(
  aspectRatio: AspectRatio,
  resolution: SimResolution,
  frames: number,
  { audio = false } = {},
): Buffer {
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(`frames must be a positive integer, got ${frames}`);
  }
  const source = clip(aspectRatio, resolution);
  const gop = source.samples!;
  const video: Mp4Track = {
    kind: 'video',
    ...frameSize(aspectRatio, resolution),
    timescale: source.timescale,
    frameTicks: source.frameTicks!,
    stsd: source.stsd!,
    // The clip is a closed GOP starting with a sync frame, so it repeats and can stop after any frame.
    samples: Array.from({ length: frames }, (_, i) => gop[i % gop.length]!),
  };
  return writeMp4(audio ? [video, silentTrack(frames / FPS)] : [video]);
}
