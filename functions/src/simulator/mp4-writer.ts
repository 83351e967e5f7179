// Writes a plain (unfragmented, moov-first) MP4 from already-encoded samples: a video track and optionally an audio
// track, as Veo's own outputs are laid out. mp4box's writer (addTrack/addSample) makes fragmented MP4s, whose moov lists no samples:
// readers that take frame counts and rates from the sample table (as an extension's input check does) would see an
// empty track, so the few boxes are written here by hand (ISO/IEC 14496-12; box layouts as mp4box parses them).

/** One encoded frame: its bytes (an H.264 access unit or an AAC frame) and whether it is a sync frame. */
export interface Mp4Sample {
  data: Uint8Array;
  sync: boolean;
}

export interface Mp4Track {
  kind: 'video' | 'audio';
  /** Video only: the frame size. */
  width?: number;
  height?: number;
  /** Media timescale (ticks per second) and the duration of every sample in ticks: 12288 and 512 for 24 fps. */
  timescale: number;
  frameTicks: number;
  /** A shorter last sample, so that a track ends where the video does (AAC frames do not divide a second). */
  lastTicks?: number;
  /** The complete `stsd` box (with its avc1/avcC or mp4a/esds entry), copied from an encoder's file. */
  stsd: Uint8Array;
  samples: readonly Mp4Sample[];
}

const MOVIE_TIMESCALE = 1000;
/** The identity transform matrix of mvhd and tkhd. */
const MATRIX = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

function box(type: string, ...parts: Uint8Array[]): Buffer {
  const size = 8 + parts.reduce((sum, part) => sum + part.byteLength, 0);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, ...parts]);
}

/** A full box: version 0 and `flags`, then the fields. */
function fullBox(type: string, flags: number, ...parts: Uint8Array[]): Buffer {
  const versionAndFlags = Buffer.alloc(4);
  versionAndFlags.writeUInt32BE(flags & 0xffffff, 0);
  return box(type, versionAndFlags, ...parts);
}

function u32(...values: number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((value, i) => out.writeUInt32BE(value >>> 0, 4 * i));
  return out;
}

function u16(...values: number[]): Buffer {
  const out = Buffer.alloc(2 * values.length);
  values.forEach((value, i) => out.writeUInt16BE(value, 2 * i));
  return out;
}

const zeros = (n: number) => Buffer.alloc(n);

/** The duration of a track in its own ticks. */
function mediaTicks(track: Mp4Track): number {
  return (track.samples.length - 1) * track.frameTicks + (track.lastTicks ?? track.frameTicks);
}

function trak(track: Mp4Track, id: number, dataOffset: number): Buffer {
  const count = track.samples.length;
  const video = track.kind === 'video';
  const tkhd = fullBox(
    'tkhd',
    3, // enabled, in movie
    u32(0, 0, id, 0, Math.round((mediaTicks(track) * MOVIE_TIMESCALE) / track.timescale)),
    zeros(8),
    u16(0, 0, video ? 0 : 0x0100, 0), // layer, alternate group, volume, reserved
    u32(...MATRIX),
    u32((track.width ?? 0) * 0x10000, (track.height ?? 0) * 0x10000),
  );
  // Language "und" packed as three 5-bit letters (ISO 639-2/T), as encoders write it.
  const mdhd = fullBox('mdhd', 0, u32(0, 0, track.timescale, mediaTicks(track)), u16(0x55c4, 0));
  const hdlr = fullBox(
    'hdlr',
    0,
    u32(0),
    Buffer.from(video ? 'vide' : 'soun', 'latin1'),
    zeros(12),
    Buffer.from(video ? 'Veo simulator video\0' : 'Veo simulator audio\0'),
  );
  const header = video ? fullBox('vmhd', 1, u16(0, 0, 0, 0)) : fullBox('smhd', 0, u16(0, 0));
  const dinf = box('dinf', fullBox('dref', 0, u32(1), fullBox('url ', 1)));
  const last = track.lastTicks ?? track.frameTicks;
  const stts =
    last === track.frameTicks || count === 1
      ? fullBox('stts', 0, u32(1, count, count === 1 ? last : track.frameTicks))
      : fullBox('stts', 0, u32(2, count - 1, track.frameTicks, 1, last));
  const syncNumbers = track.samples.flatMap((sample, i) => (sample.sync ? [i + 1] : []));
  const stbl = box(
    'stbl',
    track.stsd,
    stts,
    // No stss means every sample is a sync sample (audio).
    ...(syncNumbers.length === count ? [] : [fullBox('stss', 0, u32(syncNumbers.length, ...syncNumbers))]),
    fullBox('stsc', 0, u32(1, 1, count, 1)),
    fullBox('stsz', 0, u32(0, count, ...track.samples.map((s) => s.data.byteLength))),
    fullBox('stco', 0, u32(1, dataOffset)),
  );
  return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', header, dinf, stbl)));
}

/** The MP4 file: ftyp, moov (each track's sample table pointing at its one chunk in mdat), mdat. */
export function writeMp4(tracks: readonly Mp4Track[]): Buffer {
  if (tracks.length === 0 || tracks.some((t) => t.samples.length === 0)) {
    throw new RangeError('An MP4 needs at least one track, each with at least one sample');
  }
  const movieDuration = Math.max(
    ...tracks.map((t) => Math.round((mediaTicks(t) * MOVIE_TIMESCALE) / t.timescale)),
  );
  const ftyp = box(
    'ftyp',
    Buffer.from('isom', 'latin1'),
    u32(0x200),
    Buffer.from('isomiso2avc1mp41', 'latin1'),
  );
  const chunkSizes = tracks.map((t) => t.samples.reduce((sum, s) => sum + s.data.byteLength, 0));

  const moovFor = (dataStart: number) => {
    const mvhd = fullBox(
      'mvhd',
      0,
      u32(0, 0, MOVIE_TIMESCALE, movieDuration, 0x10000),
      u16(0x0100),
      zeros(10),
      u32(...MATRIX),
      zeros(24),
      u32(tracks.length + 1),
    );
    let offset = dataStart;
    const traks = tracks.map((track, i) => {
      const written = trak(track, i + 1, offset);
      offset += chunkSizes[i]!;
      return written;
    });
    return box('moov', mvhd, ...traks);
  };

  // The moov's size does not depend on the offsets it holds: measure it once, then write it with the real ones.
  const dataStart = ftyp.byteLength + moovFor(0).byteLength + 8;
  const mdatSize = 8 + chunkSizes.reduce((sum, size) => sum + size, 0);
  if (dataStart + mdatSize > 0xffffffff) throw new RangeError('Video too large for a 32-bit MP4');
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(mdatSize, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  return Buffer.concat([
    ftyp,
    moovFor(dataStart),
    mdatHeader,
    ...tracks.flatMap((t) => t.samples.map((s) => s.data)),
  ]);
}
