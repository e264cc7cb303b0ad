import { MediaError } from '../media-error';
import { readFloat, readInt, readString, readUint, readUintBig, readUtf8 } from './ebml-values';
import { UNKNOWN_SIZE, encodeId, encodeSize, idLength, readElementHeader, sizeLengthFor } from './ebml-vint';
import { encodeElement, floatBytes, intBytes, stringBytes, uintBytes, utf8Bytes } from './ebml-writer';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof MediaError ? err.code : `not a MediaError: ${String(err)}`;
  }
  return undefined;
}

describe('EBML ids (RFC 8794 §5)', () => {
  it.each([
    [0xec, 'ec', 1], // Void
    [0x4286, '4286', 2], // EBMLVersion
    [0x2ad7b1, '2ad7b1', 3], // TimecodeScale
    [0x1a45dfa3, '1a45dfa3', 4], // EBML
  ])('id 0x%s encodes as its octets and reads back (length %#)', (id, octets, len) => {
    expect(hex(encodeId(id))).toBe(octets);
    expect(idLength(id)).toBe(len);
    const h = readElementHeader(bytes(`${octets}80`), 0);
    expect(h).toEqual({ id, headerLength: len + 1, sizeLength: 1, size: 0 });
  });

  it.each([
    ['00 81', 'first octet 0: width beyond 8'],
    ['08 00 00 00 00 81', '5-octet id (EBMLMaxIDLength 4)'],
    ['80 81', 'VINT_DATA all zeros'],
    ['ff 81', 'VINT_DATA all ones (reserved)'],
    ['7f ff 81', '2-octet all ones'],
  ])('rejects %s (%s) as MALFORMED_EBML', (h) => {
    expect(codeOf(() => readElementHeader(bytes(h), 0))).toBe('MALFORMED_EBML');
  });

  it.each([0, 0x7f, 0x80ff, 0xff, 0x3fff, 0x2000_0000])('refuses to encode %s', (id) => {
    expect(codeOf(() => encodeId(id))).toBe('INVALID_ARGUMENT');
  });
});

describe('EBML sizes (RFC 8794 §6)', () => {
  for (let len = 1; len <= 8; len++) {
    // All ones is "unknown"; 8-octet sizes are limited to what a JS number holds exactly.
    const max = Math.min(2 ** (7 * len) - 2, Number.MAX_SAFE_INTEGER);
    it(`length ${len}: 0, 1 and ${max} round trip; all ones reads as unknown`, () => {
      for (const v of [0, 1, max]) {
        const enc = encodeSize(v, len);
        expect(enc.length).toBe(len);
        expect(readElementHeader(Uint8Array.of(0xec, ...enc), 0)).toEqual({ id: 0xec, headerLength: 1 + len, sizeLength: len, size: v });
      }
      const unknown = encodeSize(UNKNOWN_SIZE, len);
      expect(hex(unknown)).toBe((0xff >> (len - 1)).toString(16).padStart(2, '0') + 'ff'.repeat(len - 1));
      expect(readElementHeader(Uint8Array.of(0x18, 0x53, 0x80, 0x67, ...unknown), 0)?.size).toBe(UNKNOWN_SIZE);
      if (len < 8) expect(codeOf(() => encodeSize(max + 1, len))).toBe('INVALID_ARGUMENT');
      else expect(codeOf(() => readElementHeader(bytes('ec 01 ff ff ff ff ff ff fe'), 0))).toBe('UNSUPPORTED_MKV');
    });
  }

  it('picks the shortest length', () => {
    expect([0, 126, 127, 16382, 16383].map(sizeLengthFor)).toEqual([1, 1, 2, 2, 3]);
    expect(hex(encodeSize(127))).toBe('407f');
  });

  it('8-octet sizes with leading zeros (PIC, ffmpeg) decode', () => {
    expect(readElementHeader(bytes('a3 01 00 00 00 00 00 00 05'), 0)?.size).toBe(5);
  });

  it('size first octet 0 (more than 8 octets) is MALFORMED_EBML', () => {
    expect(codeOf(() => readElementHeader(bytes('ec 00 81'), 0))).toBe('MALFORMED_EBML');
  });

  it('returns undefined (need more) for every proper prefix of a header', () => {
    const full = bytes('1a45dfa3 01 00 00 00 00 00 00 23');
    for (let n = 0; n < full.length; n++) expect(readElementHeader(full.subarray(0, n), 0)).toBeUndefined();
    expect(readElementHeader(full, 0)?.size).toBe(0x23);
  });
});

describe('EBML values (RFC 8794 §7)', () => {
  it.each([
    [0, '00'],
    [255, 'ff'],
    [256, '0100'],
    [1_000_000, '0f4240'],
    [2 ** 53 - 1, '1fffffffffffff'],
  ])('uint %s ⇄ %s', (v, h) => {
    expect(hex(uintBytes(v))).toBe(h);
    expect(readUint(bytes(h))).toBe(v);
  });

  it('uint 8 octets: bigint for UIDs, UNSUPPORTED_MKV as a number beyond 2^53', () => {
    const uid = 16305324272571394352n;
    expect(readUintBig(uintBytes(uid))).toBe(uid);
    expect(codeOf(() => readUint(uintBytes(uid)))).toBe('UNSUPPORTED_MKV');
    expect(readUint(new Uint8Array(0))).toBe(0);
  });

  it.each([
    [0, '00'],
    [-1, 'ff'],
    [127, '7f'],
    [128, '0080'],
    [-128, '80'],
    [-129, 'ff7f'],
    [-32768, '8000'],
  ])('int %s ⇄ %s', (v, h) => {
    expect(hex(intBytes(v))).toBe(h);
    expect(readInt(bytes(h))).toBe(v);
  });

  it('floats of 0, 4 and 8 octets; other widths MALFORMED_EBML', () => {
    expect(readFloat(floatBytes(48000, 4))).toBe(48000);
    expect(readFloat(floatBytes(1234.5678))).toBe(1234.5678);
    expect(readFloat(new Uint8Array(0))).toBe(0);
    expect(codeOf(() => readFloat(new Uint8Array(3)))).toBe('MALFORMED_EBML');
  });

  it('strings drop NUL padding (old PIC wrote "matroska\\0"); UTF-8 round trips', () => {
    expect(readString(bytes('6d 61 74 72 6f 73 6b 61 00 00'))).toBe('matroska');
    expect(readUtf8(utf8Bytes('caméra ✓'))).toBe('caméra ✓');
    expect(codeOf(() => stringBytes('é'))).toBe('INVALID_ARGUMENT');
  });

  it('encodeElement honours a forced size length (KVS tags use 4)', () => {
    expect(hex(encodeElement(0x45a3, stringBytes('ab'), { sizeLength: 4 }))).toBe('45a3' + '10000002' + '6162');
  });
});
