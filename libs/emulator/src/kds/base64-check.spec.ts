import { base64ByteLength, base64Problem, hasCanonicalTail, isBase64 } from './base64-check';

describe('isBase64', () => {
  // The scan replaced this expression (too slow for 500 records per call); both must agree on every input.
  const REFERENCE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  it.each([
    ['', true],
    ['AA==', true],
    ['AAA=', true],
    ['AAAA', true],
    ['AAAAAA==', true],
    ['+/+/', true],
    ['A', false],
    ['AA', false],
    ['AA=', false],
    ['A===', false],
    ['====', false],
    ['=AAA', false],
    ['AA=A', false],
    ['AAAA=', false],
    ['AAAAA===', false],
    ['AA-_', false],
    ['AA A', false],
    ['AAé=', false],
    ['AA\n=', false],
  ])('%j → %s', (text, expected) => {
    expect(isBase64(text)).toBe(expected);
    expect(REFERENCE.test(text)).toBe(expected);
  });

  it('agrees with the reference expression on random strings over the alphabet and padding', () => {
    // Everything Node's decoder treats specially: URL-safe '-' '_', whitespace, other ASCII, Latin-1, UTF-16.
    const chars = 'ABCxyz019+/=-_ \n\t.*\u0000\u00e9\u0100';
    let seed = 42;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 20000; i++) {
      let s = '';
      for (let n = next() % 13; n > 0; n--) s += chars[next() % chars.length];
      expect([s, isBase64(s)]).toEqual([s, REFERENCE.test(s)]);
    }
  });
});

describe('isBase64 on blobs of any size (its scratch buffer grows)', () => {
  it.each([0, 1, 2, 3, 65_535, 65_536, 300_000])('%i bytes, and the same with one stray character', (n) => {
    const text = Buffer.alloc(n, 0xab).toString('base64');
    expect(isBase64(text)).toBe(true);
    if (n > 2) {
      // Same length, one character swapped: URL-safe (decoded by Node, refused by AWS), then outside the alphabet.
      expect(isBase64(`${text.slice(0, text.length - 5)}-${text.slice(text.length - 4)}`)).toBe(false);
      expect(isBase64(`*${text.slice(1)}`)).toBe(false);
    }
  });
});

describe('hasCanonicalTail', () => {
  // Canonical means that Node's decoder gives the text back on re-encoding: that is what AWS accepts.
  it('agrees with the round trip through Buffer for every final group', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (const c of alphabet) {
      for (const text of [`A${c}==`, `AA${c}=`, `AAAA${c}A==`]) {
        if (!isBase64(text)) continue;
        expect([text, hasCanonicalTail(text)]).toEqual([text, Buffer.from(text, 'base64').toString('base64') === text]);
      }
    }
  });
});

describe('base64ByteLength', () => {
  it.each(['', 'AA==', 'AAA=', 'AAAA', 'AAAAAA==', Buffer.alloc(1000, 7).toString('base64')])('%j', (text) => {
    expect(base64ByteLength(text)).toBe(Buffer.from(text, 'base64').length);
  });
});

describe('base64Problem (AWS SerializationException text for a blob)', () => {
  it.each([
    ['23456', "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"],
    ['=+/=', "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"],
    ['AA-_', "'AA-_' can not be converted to a Blob: Invalid Base64 character: '-'"],
    ['AA=A', "'AA=A' can not be converted to a Blob: Invalid Base64 character: '='"],
    ['+/+=', "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ['AB==', "'AB==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ['A===', "'A===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ['====', "'====' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
  ])('%j', (text, message) => {
    expect(base64Problem(text)).toBe(message);
  });

  it.each(['', 'AA==', 'AAA=', '+/+/', 'aGVsbG8='])('%j reads', (text) => {
    expect(base64Problem(text)).toBeUndefined();
  });
});
