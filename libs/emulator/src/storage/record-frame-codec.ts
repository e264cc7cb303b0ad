/**
 * On-disk frame of one KDS record in a shard's segment file. Pure: bytes in, views out.
 *
 *   offset  size  field
 *   0       4     frame length L, u32 BE: bytes after this field (so a frame is 4 + L bytes)
 *   4       4     CRC-32 (zlib polynomial) of bytes 8 .. 4+L
 *   8       8     approximate arrival timestamp, f64 BE, epoch milliseconds
 *   16      2     partition key length P in UTF-8 bytes, u16 BE (keys are ≤ 256 characters ≤ 1,024 bytes)
 *   18      P     partition key, UTF-8
 *   18+P    …     data
 *
 * A torn tail (a crash in the middle of write(2)) shows up as a short frame or a CRC mismatch; recovery
 * truncates the file at the first such frame. Frames are never rewritten.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 18;

export interface RecordInput {
  partitionKey: string;
  data: Uint8Array;
  arrival: number;
}

export interface DecodedFrame {
  arrival: number;
  partitionKey: string;
  /** A view into the buffer that was decoded, not a copy. */
  data: Uint8Array;
  /** Bytes the frame occupies, header included. */
  frameBytes: number;
}

export function frameSize(partitionKeyBytes: number, dataBytes: number): number {
  return FRAME_HEADER_BYTES + partitionKeyBytes + dataBytes;
}

/**
 * Encodes `records` back to back into one buffer (one write(2) per shard per call). `checksums: false` leaves
 * the CRC field 0: memory-only logs are never recovered from bytes, so they skip its cost.
 */
export function encodeFrames(records: readonly RecordInput[], keyBytes: readonly number[], checksums = true): Buffer {
  let total = 0;
  for (let i = 0; i < records.length; i++) total += frameSize(keyBytes[i], records[i].data.length);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const size = frameSize(keyBytes[i], r.data.length);
    out.writeUInt32BE(size - 4, at);
    out.writeDoubleBE(r.arrival, at + 8);
    out.writeUInt16BE(keyBytes[i], at + 16);
    out.write(r.partitionKey, at + FRAME_HEADER_BYTES, 'utf8');
    out.set(r.data, at + FRAME_HEADER_BYTES + keyBytes[i]);
    out.writeUInt32BE(checksums ? crc32(out.subarray(at + 8, at + size)) : 0, at + 4);
    at += size;
  }
  return out;
}

export type FrameResult = { kind: 'frame'; frame: DecodedFrame } | { kind: 'need-more' } | { kind: 'corrupt'; reason: string };

/** Decodes the frame at `offset`, telling "need more bytes" apart from corruption. */
export function decodeFrame(buf: Buffer, offset: number, verifyCrc = true): FrameResult {
  if (buf.length - offset < 4) return { kind: 'need-more' };
  const length = buf.readUInt32BE(offset);
  if (length < FRAME_HEADER_BYTES - 4) return { kind: 'corrupt', reason: `frame length ${length} below header size` };
  if (buf.length - offset < 4 + length) return { kind: 'need-more' };
  if (verifyCrc) {
    const expected = buf.readUInt32BE(offset + 4);
    const actual = crc32(buf.subarray(offset + 8, offset + 4 + length));
    if (expected !== actual) return { kind: 'corrupt', reason: 'CRC mismatch' };
  }
  const arrival = buf.readDoubleBE(offset + 8);
  const keyBytes = buf.readUInt16BE(offset + 16);
  if (FRAME_HEADER_BYTES + keyBytes > 4 + length) return { kind: 'corrupt', reason: 'partition key overruns frame' };
  const keyStart = offset + FRAME_HEADER_BYTES;
  return {
    kind: 'frame',
    frame: {
      arrival,
      partitionKey: buf.toString('utf8', keyStart, keyStart + keyBytes),
      data: buf.subarray(keyStart + keyBytes, offset + 4 + length),
      frameBytes: 4 + length,
    },
  };
}
