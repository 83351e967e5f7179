// Reads an MP4's duration, frame size and frame rate with mp4box (a maintained MP4 parser), so no test needs ffmpeg.
import { createFile, MP4BoxBuffer } from 'mp4box';

export interface Mp4Info {
  durationSeconds: number;
  width: number;
  height: number;
  mime: string;
  /** Frames in the video track, and frames per second over its duration. */
  frames: number;
  fps: number;
  /** The audio track's duration in seconds, or undefined when the file has no audio. */
  audioSeconds?: number;
}

export function readMp4(bytes: Buffer): Mp4Info {
  const file = createFile();
  let info: Mp4Info | undefined;
  let failure: string | undefined;
  file.onReady = (movie) => {
    const video = movie.videoTracks[0];
    const audio = movie.audioTracks[0];
    info = {
      durationSeconds: movie.duration / movie.timescale,
      width: video?.video?.width ?? 0,
      height: video?.video?.height ?? 0,
      mime: movie.mime,
      frames: video?.nb_samples ?? 0,
      fps: video ? video.nb_samples / (video.duration / video.timescale) : 0,
      audioSeconds: audio ? audio.duration / audio.timescale : undefined,
    };
  };
  file.onError = (_module, message) => {
    failure = message;
  };
  const buffer = MP4BoxBuffer.fromArrayBuffer(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    0,
  );
  file.appendBuffer(buffer);
  file.flush();
  if (!info) throw new Error(`Not a parseable MP4${failure ? `: ${failure}` : ''}`);
  return info;
}
