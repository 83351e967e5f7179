// Writes a plain (unfragmented, moov-first) MP4 with one video track from already-encoded samples, as Veo's own
// outputs are laid out. mp4box's writer (addTrack/addSample) makes fragmented MP4s, whose moov lists no samples:
// readers that take frame counts and rates from the sample table (as an extension's input check does) would see an
// empty track, so the few boxes are written here by hand (ISO/IEC 14496-12; box layouts as mp4box parses them).

/** One encoded frame: its bytes (an H.264 access unit, length-prefixed NAL units) and whether it is a sync frame. */
export interface Mp4Sample {
  data: Uint8Array;
  sync: boolean;
}

export interface Mp4Track {
  width: number;
  height: number;
  /** Media timescale (ticks per second) and the duration of every frame in ticks: 12288 and 512 for 24 fps. */
  timescale: number;
  frameTicks: number;
  /** The complete `stsd` box (with its avc1/avcC entry), copied from an encoder's file. */
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

/** The MP4 file: ftyp, moov (its sample table pointing into mdat), mdat. */
export function writeMp4(track: Mp4Track): Buffer {
  const count = track.samples.length;
  if (count === 0) throw new RangeError('An MP4 needs at least one sample');
  const mediaDuration = count * track.frameTicks;
  const movieDuration = Math.round((mediaDuration * MOVIE_TIMESCALE) / track.timescale);
  const ftyp = box(
    'ftyp',
    Buffer.from('isom', 'latin1'),
    u32(0x200),
    Buffer.from('isomiso2avc1mp41', 'latin1'),
  );

  const moovFor = (dataOffset: number) => {
    const mvhd = fullBox(
      'mvhd',
      0,
      u32(0, 0, MOVIE_TIMESCALE, movieDuration, 0x10000),
      u16(0x0100),
      zeros(10),
      u32(...MATRIX),
      zeros(24),
      u32(2),
    );
    const tkhd = fullBox(
      'tkhd',
      3, // enabled, in movie
      u32(0, 0, 1, 0, movieDuration),
      zeros(8),
      u16(0, 0, 0, 0),
      u32(...MATRIX),
      u32(track.width * 0x10000, track.height * 0x10000),
    );
    // Language "und" packed as three 5-bit letters (ISO 639-2/T), as encoders write it.
    const mdhd = fullBox('mdhd', 0, u32(0, 0, track.timescale, mediaDuration), u16(0x55c4, 0));
    const hdlr = fullBox(
      'hdlr',
      0,
      u32(0),
      Buffer.from('vide', 'latin1'),
      zeros(12),
      Buffer.from('Veo simulator\0'),
    );
    const vmhd = fullBox('vmhd', 1, u16(0, 0, 0, 0));
    const dinf = box('dinf', fullBox('dref', 0, u32(1), fullBox('url ', 1)));
    const syncNumbers = track.samples.flatMap((sample, i) => (sample.sync ? [i + 1] : []));
    const stbl = box(
      'stbl',
      track.stsd,
      fullBox('stts', 0, u32(1, count, track.frameTicks)),
      fullBox('stss', 0, u32(syncNumbers.length, ...syncNumbers)),
      fullBox('stsc', 0, u32(1, 1, count, 1)),
      fullBox('stsz', 0, u32(0, count, ...track.samples.map((s) => s.data.byteLength))),
      fullBox('stco', 0, u32(1, dataOffset)),
    );
    const mdia = box('mdia', mdhd, hdlr, box('minf', vmhd, dinf, stbl));
    return box('moov', mvhd, box('trak', tkhd, mdia));
  };

  // The moov's size does not depend on the offset it holds: measure it once, then write it with the real offset.
  const dataOffset = ftyp.byteLength + moovFor(0).byteLength + 8;
  const mdatSize = 8 + track.samples.reduce((sum, s) => sum + s.data.byteLength, 0);
  if (dataOffset + mdatSize > 0xffffffff) throw new RangeError('Video too large for a 32-bit MP4');
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(mdatSize, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, moovFor(dataOffset), mdatHeader, ...track.samples.map((s) => s.data)]);
}
