/**
 * On-disk frame of one Kinesis Video fragment in a stream's segment file. Pure: bytes in, views out. A frame is
 * self-contained (it repeats the stream header of its PutMedia connection), so GetMedia can answer any fragment
 * with one read, and recovery needs no other file.
 *
 *   offset  size  field
 *   0       4     frame length L, u32 BE: bytes after this field (so a frame is 4 + L bytes)
 *   4       4     CRC-32 (zlib polynomial) of bytes 8 .. 4+L
 *   8       20    fragment number, unsigned 160-bit BE (KVS numbers are 157 bits: kvs/fragment-number.ts)
 *   28      8     server timestamp, f64 BE, epoch ms (first byte of the fragment received)
 *   36      8     producer timestamp, f64 BE, epoch ms
 *   44      4     fragment length in ms, u32 BE (ListFragments' FragmentLengthInMilliseconds)
 *   48      4     header length H, u32 BE: EBML header + Segment head + Info + Tracks, as the producer sent them
 *   52      4     cluster length C, u32 BE: the Cluster element as received
 *   56      4     tags length T, u32 BE: the producer's fragment-metadata Tags elements of this fragment
 *   60      H     header bytes
 *   60+H    C     cluster bytes
 *   60+H+C  T     tags bytes
 *
 * A torn tail (a crash in the middle of write(2)) shows up as a short frame or a CRC mismatch; recovery truncates
 * the file at the first such frame. Frames are never rewritten.
 */
import { crc32 } from 'node:zlib';

export const FRAGMENT_FRAME_HEADER_BYTES = 60;
const NUMBER_BYTES = 20;

export interface FragmentRecord {
  fragmentNumber: bigint;
  serverTimestampMs: number;
  producerTimestampMs: number;
  durationMs: number;
  header: Uint8Array;
  cluster: Uint8Array;
  tags: Uint8Array;
}

/** A decoded frame: the fields, with `header`, `cluster` and `tags` as views into the decoded buffer. */
export interface DecodedFragmentFrame extends FragmentRecord {
  /** Bytes the frame occupies, header included. */
  frameBytes: number;
}

export type FragmentFrameResult =
  | { kind: 'frame'; frame: DecodedFragmentFrame }
  | { kind: 'need-more'; frameBytes?: number }
  | { kind: 'corrupt'; reason: string };

export function fragmentFrameSize(record: Pick<FragmentRecord, 'header' | 'cluster' | 'tags'>): number {
  return FRAGMENT_FRAME_HEADER_BYTES + record.header.length + record.cluster.length + record.tags.length;
}

function writeU160(out: Buffer, at: number, value: bigint): void {
  if (value < 0n || value >> 160n !== 0n) throw new RangeError(`fragment number ${value} does not fit 160 bits`);
  let v = value;
  for (let i = NUMBER_BYTES - 1; i >= 0; i--) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function readU160(buf: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 0; i < NUMBER_BYTES; i++) v = (v << 8n) | BigInt(buf[at + i]);
  return v;
}

/** Encodes one fragment. `checksums: false` leaves the CRC 0 (memory-only logs are never recovered from bytes). */
export function encodeFragmentFrame(record: FragmentRecord, checksums = true): Buffer {
  const size = fragmentFrameSize(record);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(size - 4, 0);
  writeU160(out, 8, record.fragmentNumber);
  out.writeDoubleBE(record.serverTimestampMs, 28);
  out.writeDoubleBE(record.producerTimestampMs, 36);
  out.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.round(record.durationMs))), 44);
  out.writeUInt32BE(record.header.length, 48);
  out.writeUInt32BE(record.cluster.length, 52);
  out.writeUInt32BE(record.tags.length, 56);
  let at = FRAGMENT_FRAME_HEADER_BYTES;
  out.set(record.header, at);
  at += record.header.length;
  out.set(record.cluster, at);
  at += record.cluster.length;
  out.set(record.tags, at);
  out.writeUInt32BE(checksums ? crc32(out.subarray(8)) : 0, 4);
  return out;
}

/**
 * Decodes the frame at `offset`, telling "need more bytes" (with the frame's size once its length field is
 * readable) apart from corruption.
 */
export function decodeFragmentFrame(buf: Buffer, offset: number, verifyCrc = true): FragmentFrameResult {
  if (buf.length - offset < 4) return { kind: 'need-more' };
  const length = buf.readUInt32BE(offset);
  if (length < FRAGMENT_FRAME_HEADER_BYTES - 4) return { kind: 'corrupt', reason: `frame length ${length} below header size` };
  if (buf.length - offset < 4 + length) return { kind: 'need-more', frameBytes: 4 + length };
  const end = offset + 4 + length;
  if (verifyCrc) {
    const expected = buf.readUInt32BE(offset + 4);
    if (expected !== crc32(buf.subarray(offset + 8, end))) return { kind: 'corrupt', reason: 'CRC mismatch' };
  }
  const h = buf.readUInt32BE(offset + 48);
  const c = buf.readUInt32BE(offset + 52);
  const t = buf.readUInt32BE(offset + 56);
  if (FRAGMENT_FRAME_HEADER_BYTES + h + c + t !== 4 + length) return { kind: 'corrupt', reason: 'part lengths do not add up to the frame length' };
  const headerStart = offset + FRAGMENT_FRAME_HEADER_BYTES;
  return {
    kind: 'frame',
    frame: {
      fragmentNumber: readU160(buf, offset + 8),
      serverTimestampMs: buf.readDoubleBE(offset + 28),
      producerTimestampMs: buf.readDoubleBE(offset + 36),
      durationMs: buf.readUInt32BE(offset + 44),
      header: buf.subarray(headerStart, headerStart + h),
      cluster: buf.subarray(headerStart + h, headerStart + h + c),
      tags: buf.subarray(headerStart + h + c, end),
      frameBytes: 4 + length,
    },
  };
}
