/**
 * The record framing of the durable buffer's segment files (durable-buffer-store.ts): append-only, one frame per
 * record, each frame length-prefixed and checksummed so that a write torn by a crash or a power cut is recognised
 * and dropped on the next start instead of being replayed as garbage. Our own format (no AWS reference):
 *
 *   offset  size  field
 *   0       4     payload length N, u32 big-endian
 *   4       4     CRC-32 (IEEE 802.3, zlib's) of the N payload bytes, u32 big-endian
 *   8       N     payload:
 *                   0    8  seq: the buffer's sequence number of the record, u64 big-endian (< 2^53)
 *                   8    8  putAt: when the record was accepted, ms since the Unix epoch, float64 big-endian
 *                   16   2  P: partition-key length in bytes, u16 big-endian
 *                   18   P  partition key, UTF-8
 *                   18+P 1  E: explicit-hash-key length (0: none), u8
 *                   19+P E  explicit hash key, ASCII decimal
 *                   ..      data (the rest of the payload)
 *
 * The decoder has three outcomes per frame (conventions.md §5): a record, "need more bytes" (a torn tail), or a
 * typed MALFORMED_SPILL_FRAME error (a bad length or CRC). Records are views into the given bytes, not copies.
 */
import { crc32 } from 'node:zlib';
import { ProducerError } from '../errors';

export const SPILL_FRAME_HEADER_BYTES = 8;
const PAYLOAD_FIXED_BYTES = 19;
/** Larger than any record the producer accepts (10 MiB + key): a bigger length is damage, not a record. */
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

export interface SpilledRecord {
  seq: number;
  putAt: number;
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

export type SpillFrameStep = { kind: 'record'; record: SpilledRecord; next: number } | { kind: 'need-more' };

export function encodeSpillFrame(record: SpilledRecord): Uint8Array {
  const key = Buffer.from(record.partitionKey, 'utf8');
  const ehk = record.explicitHashKey === undefined ? Buffer.alloc(0) : Buffer.from(record.explicitHashKey, 'latin1');
  const n = PAYLOAD_FIXED_BYTES + key.length + ehk.length + record.data.length;
  const frame = Buffer.allocUnsafe(SPILL_FRAME_HEADER_BYTES + n);
  const p = SPILL_FRAME_HEADER_BYTES;
  frame.writeUInt32BE(Math.floor(record.seq / 2 ** 32), p);
  frame.writeUInt32BE(record.seq >>> 0, p + 4);
  frame.writeDoubleBE(record.putAt, p + 8);
  frame.writeUInt16BE(key.length, p + 16);
  key.copy(frame, p + 18);
  frame.writeUInt8(ehk.length, p + 18 + key.length);
  ehk.copy(frame, p + 19 + key.length);
  frame.set(record.data, p + 19 + key.length + ehk.length);
  frame.writeUInt32BE(n, 0);
  frame.writeUInt32BE(crc32(frame.subarray(p)), 4);
  return frame;
}

/** One frame at `offset` of `bytes`. */
export function decodeSpillFrame(bytes: Uint8Array, offset: number): SpillFrameStep {
  if (bytes.length - offset < SPILL_FRAME_HEADER_BYTES) return { kind: 'need-more' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(offset, false);
  if (n < PAYLOAD_FIXED_BYTES || n > MAX_PAYLOAD_BYTES) throw malformed(offset, `payload length ${n} is out of range`);
  const start = offset + SPILL_FRAME_HEADER_BYTES;
  if (bytes.length - start < n) return { kind: 'need-more' };
  const payload = bytes.subarray(start, start + n);
  if (crc32(payload) !== view.getUint32(offset + 4, false)) throw malformed(offset, 'CRC-32 mismatch');
  const seq = view.getUint32(start, false) * 2 ** 32 + view.getUint32(start + 4, false);
  const putAt = view.getFloat64(start + 8, false);
  const keyLength = view.getUint16(start + 16, false);
  if (PAYLOAD_FIXED_BYTES + keyLength > n) throw malformed(offset, 'partition key longer than the frame');
  const keyEnd = start + 18 + keyLength;
  const ehkLength = bytes[keyEnd];
  if (PAYLOAD_FIXED_BYTES + keyLength + ehkLength > n) throw malformed(offset, 'explicit hash key longer than the frame');
  const partitionKey = Buffer.from(bytes.buffer, bytes.byteOffset + start + 18, keyLength).toString('utf8');
  const ehkEnd = keyEnd + 1 + ehkLength;
  const record: SpilledRecord = { seq, putAt, partitionKey, data: bytes.subarray(ehkEnd, start + n) };
  if (ehkLength > 0) record.explicitHashKey = Buffer.from(bytes.buffer, bytes.byteOffset + keyEnd + 1, ehkLength).toString('latin1');
  return { kind: 'record', record, next: start + n };
}

export interface DecodedSegment {
  records: SpilledRecord[];
  /** Bytes of whole, valid frames from the start: what a torn or damaged file is truncated to. */
  validBytes: number;
  /** 'torn': the file ends inside a frame; 'malformed': a frame failed its checks (everything from it is dropped). */
  tail: 'clean' | 'torn' | 'malformed';
}

/** Every frame of a segment file, stopping at the first incomplete or damaged one. */
export function decodeSpillSegment(bytes: Uint8Array): DecodedSegment {
  const records: SpilledRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    let step: SpillFrameStep;
    try {
      step = decodeSpillFrame(bytes, offset);
    } catch (err) {
      if (err instanceof ProducerError && err.code === 'MALFORMED_SPILL_FRAME') return { records, validBytes: offset, tail: 'malformed' };
      throw err;
    }
    if (step.kind === 'need-more') return { records, validBytes: offset, tail: 'torn' };
    records.push(step.record);
    offset = step.next;
  }
  return { records, validBytes: offset, tail: 'clean' };
}

function malformed(offset: number, why: string): ProducerError {
  return new ProducerError('MALFORMED_SPILL_FRAME', `Durable-buffer frame at byte ${offset}: ${why}.`, false);
}
