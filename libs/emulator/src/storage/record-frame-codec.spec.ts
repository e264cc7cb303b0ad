import { crc32 } from 'node:zlib';
import { decodeFrame, encodeFrames, frameSize, FRAME_HEADER_BYTES, type RecordInput } from './record-frame-codec';

const keyBytesOf = (records: readonly RecordInput[]): number[] => records.map((r) => Buffer.byteLength(r.partitionKey, 'utf8'));

/** One frame built field by field from the layout in record-frame-codec.ts, independent of the encoder. */
function handBuiltFrame(arrival: number, key: string, data: Buffer): Buffer {
  const keyUtf8 = Buffer.from(key, 'utf8');
  const arrivalBytes = Buffer.alloc(8);
  arrivalBytes.writeDoubleBE(arrival); // offset 8: arrival, f64 BE, epoch ms
  const keyLength = Buffer.alloc(2);
  keyLength.writeUInt16BE(keyUtf8.length); // offset 16: partition key length in UTF-8 bytes, u16 BE
  const covered = Buffer.concat([arrivalBytes, keyLength, keyUtf8, data]); // offsets 8 .. end: what the CRC covers
  const length = Buffer.alloc(4);
  length.writeUInt32BE(4 + covered.length); // offset 0: bytes after this field (CRC + covered)
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(covered)); // offset 4: CRC-32 (zlib) of bytes 8 .. end
  return Buffer.concat([length, crc, covered]);
}

describe('record frame codec', () => {
  const vector = { arrival: 1_700_000_000_123.5, partitionKey: 'clé-🔑', data: Buffer.from([0x00, 0xff, 0x10, 0x20]) };

  it('encodes the named vector byte for byte as the layout says, and decodes it back', () => {
    const expected = handBuiltFrame(vector.arrival, vector.partitionKey, vector.data);
    const encoded = encodeFrames([vector], keyBytesOf([vector]));
    expect(encoded).toEqual(expected);
    // 'clé-🔑' is 5 characters (JS length 6: the key emoji is a surrogate pair) but 9 UTF-8 bytes.
    expect(encoded.readUInt16BE(16)).toBe(9);
    expect(encoded.length).toBe(frameSize(9, 4));
    expect(encoded.length).toBe(FRAME_HEADER_BYTES + 9 + 4);

    const r = decodeFrame(expected, 0);
    expect(r).toEqual({
      kind: 'frame',
      frame: { arrival: vector.arrival, partitionKey: vector.partitionKey, data: new Uint8Array(vector.data), frameBytes: expected.length },
    });
  });

  it('round-trips several records back to back, with UTF-8 keys and empty data', () => {
    const records: RecordInput[] = [
      { arrival: 1, partitionKey: 'a', data: Buffer.from('first') },
      { arrival: 2, partitionKey: '日本語キー', data: Buffer.alloc(0) },
      { arrival: 3, partitionKey: 'x'.repeat(256), data: Buffer.alloc(1000, 7) },
      { arrival: 3, partitionKey: '\u0000nul', data: Buffer.from([1]) },
    ];
    const buf = encodeFrames(records, keyBytesOf(records));
    let at = 0;
    const decoded = [];
    for (;;) {
      const r = decodeFrame(buf, at);
      if (r.kind !== 'frame') {
        expect(r.kind).toBe('need-more');
        break;
      }
      decoded.push({ arrival: r.frame.arrival, partitionKey: r.frame.partitionKey, data: Buffer.from(r.frame.data) });
      at += r.frame.frameBytes;
    }
    expect(at).toBe(buf.length);
    expect(decoded).toEqual(records.map((r) => ({ ...r, data: Buffer.from(r.data) })));
  });

  it('returns data as a view into the decoded buffer, not a copy', () => {
    const buf = encodeFrames([vector], keyBytesOf([vector]));
    const r = decodeFrame(buf, 0);
    if (r.kind !== 'frame') throw new Error(r.kind);
    expect(r.frame.data.buffer).toBe(buf.buffer);
    expect(r.frame.data.byteOffset).toBe(buf.byteOffset + FRAME_HEADER_BYTES + 9);
  });

  it('decodes at a non-zero offset', () => {
    const records: RecordInput[] = [
      { arrival: 10, partitionKey: 'one', data: Buffer.from('1') },
      { arrival: 20, partitionKey: 'two', data: Buffer.from('22') },
    ];
    const buf = encodeFrames(records, keyBytesOf(records));
    const r = decodeFrame(buf, frameSize(3, 1));
    expect(r.kind === 'frame' && [r.frame.arrival, r.frame.partitionKey, Buffer.from(r.frame.data).toString()]).toEqual([20, 'two', '22']);
  });

  it('asks for more bytes on every strict prefix of a frame', () => {
    const buf = encodeFrames([vector], keyBytesOf([vector]));
    for (let n = 0; n < buf.length; n++) {
      expect({ n, result: decodeFrame(buf.subarray(0, n), 0) }).toEqual({ n, result: { kind: 'need-more' } });
    }
  });

  it('reports corruption when any byte the CRC covers (or the CRC itself) is flipped', () => {
    const buf = encodeFrames([vector], keyBytesOf([vector]));
    for (let i = 4; i < buf.length; i++) {
      const bad = Buffer.from(buf);
      bad[i] ^= 0x01;
      expect({ i, result: decodeFrame(bad, 0) }).toEqual({ i, result: { kind: 'corrupt', reason: 'CRC mismatch' } });
    }
  });

  it('skips the CRC check when asked (the indexed read path)', () => {
    const buf = encodeFrames([vector], keyBytesOf([vector]));
    buf[buf.length - 1] ^= 0xff;
    const r = decodeFrame(buf, 0, false);
    expect(r.kind === 'frame' && Buffer.from(r.frame.data)).toEqual(Buffer.from([0x00, 0xff, 0x10, 0xdf]));
  });

  it('tells a grown length field (need more) from one below the header size (corrupt)', () => {
    const buf = encodeFrames([vector], keyBytesOf([vector]));
    const longer = Buffer.from(buf);
    longer.writeUInt32BE(buf.readUInt32BE(0) + 1, 0);
    expect(decodeFrame(longer, 0)).toEqual({ kind: 'need-more' });

    const short = Buffer.from(buf);
    short.writeUInt32BE(13, 0);
    expect(decodeFrame(short, 0)).toEqual({ kind: 'corrupt', reason: 'frame length 13 below header size' });
    short.writeUInt32BE(0, 0);
    expect(decodeFrame(short, 0)).toEqual({ kind: 'corrupt', reason: 'frame length 0 below header size' });
  });

  it('reports a partition key length that overruns the frame even when the CRC matches', () => {
    const buf = encodeFrames([vector], keyBytesOf([vector]));
    buf.writeUInt16BE(14, 16); // 9 key bytes + 4 data bytes remain: 14 is one too many
    buf.writeUInt32BE(crc32(buf.subarray(8)), 4);
    expect(decodeFrame(buf, 0)).toEqual({ kind: 'corrupt', reason: 'partition key overruns frame' });
    buf.writeUInt16BE(13, 16); // exactly the rest: a valid frame with empty data
    buf.writeUInt32BE(crc32(buf.subarray(8)), 4);
    const r = decodeFrame(buf, 0);
    expect(r.kind === 'frame' && r.frame.data.length).toBe(0);
  });
});
