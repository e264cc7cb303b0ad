/**
 * The durable buffer's framing, both ways, with the damage a crash leaves: a torn tail must be recognised and cut,
 * never replayed as a record (issue 12: the buffer must survive a restart, and a power cut mid-write is the common
 * way a device restarts).
 */
import { ProducerError } from '../errors';
import { decodeSpillFrame, decodeSpillSegment, encodeSpillFrame, SPILL_FRAME_HEADER_BYTES, type SpilledRecord } from './spill-frame-codec';

const records: SpilledRecord[] = [
  { seq: 1, putAt: 1_700_000_000_123, partitionKey: 'sim-0001', data: Buffer.from('{"seq":1}') },
  { seq: 2 ** 40 + 7, putAt: 1_700_000_000_456.5, partitionKey: 'ключ-ü', explicitHashKey: '340282366920938463463374607431768211455', data: new Uint8Array(0) },
  { seq: 3, putAt: 0, partitionKey: 'k'.repeat(256), data: new Uint8Array(70_000).fill(7) },
];

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const plain = (r: SpilledRecord) => ({ ...r, data: Buffer.from(r.data).toString('hex') });

describe('spill frame codec', () => {
  it('decodes what it encodes: seq, putAt, key, explicit hash key and data', () => {
    const bytes = concat(records.map(encodeSpillFrame));
    const decoded = decodeSpillSegment(bytes);
    expect(decoded.tail).toBe('clean');
    expect(decoded.validBytes).toBe(bytes.length);
    expect(decoded.records.map(plain)).toEqual(records.map(plain));
  });

  it('lays the header out as documented: payload length, then CRC-32 of the payload', () => {
    const frame = encodeSpillFrame(records[0]);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(view.getUint32(0, false)).toBe(frame.length - SPILL_FRAME_HEADER_BYTES);
    // seq as u64 big-endian at payload offset 0
    expect(view.getUint32(8, false)).toBe(0);
    expect(view.getUint32(12, false)).toBe(1);
    expect(view.getFloat64(16, false)).toBe(records[0].putAt);
    expect(view.getUint16(24, false)).toBe(8);
    expect(Buffer.from(frame.subarray(26, 34)).toString()).toBe('sim-0001');
  });

  it.each([1, 4, SPILL_FRAME_HEADER_BYTES, SPILL_FRAME_HEADER_BYTES + 10])('a torn tail (%i bytes of the last frame) is cut: the whole frames before it remain', (kept) => {
    const whole = concat([encodeSpillFrame(records[0]), encodeSpillFrame(records[1])]);
    const last = encodeSpillFrame(records[2]);
    const decoded = decodeSpillSegment(concat([whole, last.subarray(0, kept)]));
    expect(decoded).toEqual(expect.objectContaining({ tail: 'torn', validBytes: whole.length }));
    expect(decoded.records.map((r) => r.seq)).toEqual([1, records[1].seq]);
    expect(decodeSpillFrame(last.subarray(0, kept), 0)).toEqual({ kind: 'need-more' });
  });

  it.each([
    ['a flipped data byte', (f: Uint8Array) => (f[f.length - 1] ^= 0xff)],
    ['a flipped CRC byte', (f: Uint8Array) => (f[5] ^= 0x01)],
    ['a length below the fixed payload', (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).setUint32(0, 3, false)],
    ['a length beyond 16 MiB', (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).setUint32(0, 0xffffffff, false)],
  ])('%s is a typed MALFORMED_SPILL_FRAME error, and ends the readable part of a segment', (_name, damage) => {
    const good = encodeSpillFrame(records[0]);
    const bad = Uint8Array.from(encodeSpillFrame(records[1]));
    damage(bad);
    let error: unknown;
    try {
      decodeSpillFrame(bad, 0);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProducerError);
    expect(error).toEqual(expect.objectContaining({ code: 'MALFORMED_SPILL_FRAME', retriable: false }));
    const decoded = decodeSpillSegment(concat([good, bad, encodeSpillFrame(records[0])]));
    expect(decoded).toEqual(expect.objectContaining({ tail: 'malformed', validBytes: good.length }));
    expect(decoded.records).toHaveLength(1);
  });
});
