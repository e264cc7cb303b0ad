/**
 * SimpleBlock / Block payloads (RFC 9559 §10, Block Structure):
 *
 *   offset 0      1..8 octets  track number, EBML VINT with the marker dropped (RFC 8794 §4)
 *   offset n      2 octets     timecode relative to the Cluster Timecode, signed int16, big-endian
 *   offset n+2    1 octet      flags, bit 0 = MSB:
 *                               0x80 keyframe (SimpleBlock only; a Block's keyframe-ness is "no ReferenceBlock")
 *                               0x08 invisible
 *                               0x06 lacing: 00 none, 01 Xiph, 11 EBML, 10 fixed-size (RFC 9559 §10.4)
 *                               0x01 discardable (SimpleBlock only)
 *   offset n+3    frame data, or for laced blocks:
 *                 1 octet      number of frames - 1
 *                 lace sizes   all but the last frame's size:
 *                                Xiph:  each size as a run of 0xFF octets plus one octet < 0xFF, summed
 *                                EBML:  first size an unsigned VINT, then signed VINT differences (value minus
 *                                       2^(7n-1) - 1 for an n-octet VINT) from the previous size
 *                                fixed: none, every frame is (remaining / count) octets
 *                 frames       back to back; the last frame takes what remains
 *
 * All three lacings are decoded (laced video is legal Matroska even if no KVS producer writes it); frames are
 * `subarray` views. Only the first frame of a lace carries the block's timecode: the reader spaces the others by
 * the track's DefaultDuration when it has one (RFC 9559 §10.4, lacing and timestamps).
 */
import { MediaError } from '../media-error';
import { readVintValue, sizeLengthFor } from '../ebml/ebml-vint';

export type Lacing = 'none' | 'xiph' | 'fixed' | 'ebml';

export const BLOCK_FLAG_KEYFRAME = 0x80;
export const BLOCK_FLAG_INVISIBLE = 0x08;
export const BLOCK_FLAG_DISCARDABLE = 0x01;
const LACING_MASK = 0x06;

export interface BlockHeader {
  track: number;
  /** Signed 16-bit offset from the Cluster Timecode, in TimecodeScale ticks. */
  timecode: number;
  flags: number;
  /** Octets before the frame data (or the lace head). */
  headerLength: number;
}

export function lacingOf(flags: number): Lacing {
  switch ((flags & LACING_MASK) >> 1) {
    case 0:
      return 'none';
    case 1:
      return 'xiph';
    case 2:
      return 'fixed';
    default:
      return 'ebml';
  }
}

export function readBlockHeader(data: Uint8Array, offset = 0): BlockHeader {
  const tn = readVintValue(data, 0);
  if (tn === undefined || tn[1] + 3 > data.length) throw new MediaError('MALFORMED_MKV', 'Block shorter than its header (RFC 9559 §10.1)', { offset });
  const [track, n] = tn;
  const hi = data[n];
  const timecode = ((hi & 0x80) !== 0 ? hi - 256 : hi) * 256 + data[n + 1];
  return { track, timecode, flags: data[n + 2], headerLength: n + 3 };
}

/** The frames of a block: one view for unlaced blocks, the lace split otherwise. */
export function blockFrames(data: Uint8Array, header: BlockHeader, offset = 0): Uint8Array[] {
  const lacing = lacingOf(header.flags);
  let p = header.headerLength;
  if (lacing === 'none') return [data.subarray(p)];
  if (p >= data.length) throw new MediaError('MALFORMED_MKV', 'Laced block without a lace head', { offset });
  const count = data[p++] + 1;
  const sizes: number[] = new Array<number>(count);
  if (lacing === 'xiph') {
    for (let i = 0; i < count - 1; i++) {
      let size = 0;
      let b: number;
      do {
        if (p >= data.length) throw new MediaError('MALFORMED_MKV', 'Xiph lace sizes run past the block', { offset });
        b = data[p++];
        size += b;
      } while (b === 0xff);
      sizes[i] = size;
    }
  } else if (lacing === 'ebml') {
    let prev = 0;
    for (let i = 0; i < count - 1; i++) {
      const v = readVintValue(data, p);
      if (v === undefined) throw new MediaError('MALFORMED_MKV', 'EBML lace sizes run past the block', { offset });
      const [raw, len] = v;
      p += len;
      // First size unsigned; the rest signed differences with a bias of 2^(7n-1) - 1.
      const size = i === 0 ? raw : prev + (raw - (2 ** (7 * len - 1) - 1));
      if (size < 0) throw new MediaError('MALFORMED_MKV', 'Negative EBML lace size', { offset });
      sizes[i] = size;
      prev = size;
    }
  } else {
    const remaining = data.length - p;
    if (remaining % count !== 0) throw new MediaError('MALFORMED_MKV', `Fixed-size lace of ${remaining} octets does not split into ${count} frames`, { offset });
    sizes.fill(remaining / count);
  }
  if (lacing !== 'fixed') {
    let used = 0;
    for (let i = 0; i < count - 1; i++) used += sizes[i];
    const last = data.length - p - used;
    if (last < 0) throw new MediaError('MALFORMED_MKV', 'Lace sizes exceed the block', { offset });
    sizes[count - 1] = last;
  }
  const frames: Uint8Array[] = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    frames[i] = data.subarray(p, p + sizes[i]);
    p += sizes[i];
  }
  return frames;
}

/** Octets of a block header for `track` (VINT track number + int16 + flags). */
export function blockHeaderLength(track: number): number {
  return sizeLengthFor(track) + 3;
}

/** Writes a block header at `offset`; returns the offset after it. Timecode must fit int16. */
export function writeBlockHeader(out: Uint8Array, offset: number, track: number, timecode: number, flags: number): number {
  if (!Number.isInteger(track) || track < 1) throw new MediaError('INVALID_ARGUMENT', `Invalid track number ${track}`);
  if (!Number.isInteger(timecode) || timecode < -32768 || timecode > 32767) {
    throw new MediaError('INVALID_ARGUMENT', `Block timecode ${timecode} outside the int16 range of a cluster (RFC 9559 §10.1)`);
  }
  const len = sizeLengthFor(track);
  let v = track;
  for (let i = len - 1; i >= 1; i--) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[offset] = (0x80 >> (len - 1)) | v;
  let p = offset + len;
  const t = timecode & 0xffff;
  out[p++] = t >> 8;
  out[p++] = t & 0xff;
  out[p++] = flags & 0xff;
  return p;
}

/** A laced block payload (tests and writers of audio); `frames` go in order, lacing chosen by the caller. */
export function encodeLacedBlock(track: number, timecode: number, flags: number, frames: readonly Uint8Array[], lacing: Exclude<Lacing, 'none'>): Uint8Array {
  if (frames.length < 1 || frames.length > 256) throw new MediaError('INVALID_ARGUMENT', 'A lace holds 1..256 frames');
  const head: number[] = [frames.length - 1];
  if (lacing === 'xiph') {
    for (let i = 0; i < frames.length - 1; i++) {
      let s = frames[i].length;
      while (s >= 255) {
        head.push(255);
        s -= 255;
      }
      head.push(s);
    }
  } else if (lacing === 'ebml') {
    for (let i = 0; i < frames.length - 1; i++) {
      if (i === 0) head.push(...vintOctets(frames[0].length));
      else {
        const diff = frames[i].length - frames[i - 1].length;
        let len = 1;
        while (Math.abs(diff) >= 2 ** (7 * len - 1) - 1) len++;
        head.push(...vintOctets(diff + 2 ** (7 * len - 1) - 1, len));
      }
    }
  } else if (frames.some((f) => f.length !== frames[0].length)) {
    throw new MediaError('INVALID_ARGUMENT', 'Fixed-size lacing needs frames of one size');
  }
  const flagsWithLacing = (flags & ~LACING_MASK) | ({ xiph: 1, fixed: 2, ebml: 3 }[lacing] << 1);
  let total = blockHeaderLength(track) + head.length;
  for (const f of frames) total += f.length;
  const out = new Uint8Array(total);
  let p = writeBlockHeader(out, 0, track, timecode, flagsWithLacing);
  out.set(head, p);
  p += head.length;
  for (const f of frames) {
    out.set(f, p);
    p += f.length;
  }
  return out;
}

function vintOctets(value: number, length = sizeLengthFor(value)): number[] {
  const out = new Array<number>(length);
  let v = value;
  for (let i = length - 1; i >= 1; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = (0x80 >> (length - 1)) | v;
  return out;
}
