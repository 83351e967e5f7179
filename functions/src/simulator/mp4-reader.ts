// Reads an MP4 with mp4box (a maintained ISO-BMFF parser): what the simulator needs to check an extension's input
// video as Vertex does (container, frame size, frame rate, duration) and to reuse its committed test-pattern clips
// (their encoded frames and sample description).
import { createFile, MP4BoxBuffer } from 'mp4box';
import type { Mp4Sample } from './mp4-writer.js';

export interface Mp4Video {
  /** The ftyp major brand ("isom", "mp42", "qt  " for QuickTime, …). */
  brand: string;
  width: number;
  height: number;
  /** Frames in the video track. */
  frames: number;
  /** The video track's duration in seconds. */
  durationSeconds: number;
  /** Frames per second, from the sample count and the track's duration. */
  fps: number;
  /** The video track's media timescale and, when every frame lasts the same, that duration in ticks. */
  timescale: number;
  frameTicks?: number;
  /** Present when read with `withSamples`. */
  samples?: Mp4Sample[];
  stsd?: Uint8Array;
}

/** Parses `bytes` as an MP4 (or QuickTime) file with a video track; throws an Error saying why it is not one. */
export function readMp4(bytes: Uint8Array, { withSamples = false } = {}): Mp4Video {
  const file = createFile(withSamples);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, 0));
    file.flush();
  } catch {
    // A file mp4box cannot parse has no moov below.
  }
  const movie = file.getInfo();
  const track = movie?.videoTracks?.[0];
  // mp4box's own reason quotes raw bytes; the caller needs only the verdict.
  if (!movie?.hasMoov || !track) throw new Error('not an MP4 video');
  const durationSeconds = track.duration / track.timescale;
  const trak = file.getTrackById(track.id);
  const ticks = new Set(trak.samples.map((s) => s.duration));
  const video: Mp4Video = {
    brand: movie.brands[0] ?? '',
    // The track header's size is the one players show (the sample entry's is the coded size, the same for Veo's).
    width: track.track_width || (track.video?.width ?? 0),
    height: track.track_height || (track.video?.height ?? 0),
    frames: track.nb_samples,
    durationSeconds,
    fps: durationSeconds > 0 ? track.nb_samples / durationSeconds : 0,
    timescale: track.timescale,
    frameTicks: ticks.size === 1 ? [...ticks][0] : undefined,
  };
  if (withSamples) {
    const stsd = trak.mdia.minf.stbl.stsd;
    if (stsd.start === undefined) throw new Error('the sample description has no position in the file');
    video.stsd = bytes.subarray(stsd.start, stsd.start + stsd.size);
    video.samples = trak.samples.map((s) => {
      if (s.cts !== s.dts) throw new Error('frames out of order (B-frames) cannot be repeated');
      return { data: bytes.subarray(s.offset, s.offset + s.size), sync: s.is_sync };
    });
  }
  return video;
}

/** An audio clip's sample description, timescale and frame length, and one of its frames (from the middle). */
export interface Mp4AudioFrame {
  stsd: Uint8Array;
  timescale: number;
  frameTicks: number;
  frame: Uint8Array;
}

/** Reads the audio track of `bytes` and takes its frame number `index` (an encoder's first frames may differ). */
export function readAudioFrame(bytes: Uint8Array, index: number): Mp4AudioFrame {
  const file = createFile(true);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, 0));
  file.flush();
  const track = file.getInfo()?.audioTracks?.[0];
  if (!track) throw new Error('no audio track');
  const trak = file.getTrackById(track.id);
  const sample = trak.samples[index];
  const stsd = trak.mdia.minf.stbl.stsd;
  if (!sample || stsd.start === undefined) throw new Error(`no audio frame ${index}`);
  return {
    stsd: bytes.subarray(stsd.start, stsd.start + stsd.size),
    timescale: track.timescale,
    frameTicks: sample.duration,
    frame: bytes.subarray(sample.offset, sample.offset + sample.size),
  };
}
