import { MATROSKA_SCHEMA, MkvId } from '../matroska/matroska-ids';
import { concatBytes, errorOf } from '../testing/media-fixtures';
import { END_OF_STREAM, EbmlStreamDecoder, NEED_MORE, type EbmlEvent, type EbmlPolicy } from './ebml-stream-decoder';
import { UNKNOWN_SIZE } from './ebml-vint';
import { encodeElement, encodeMaster, stringBytes, uintBytes } from './ebml-writer';

const I = MkvId;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** EBML header + Segment(unknown, `segSizeLength`) + Info + 2 unknown-size Clusters + Tags, then a second EBML+Segment. */
function smallStream(segSizeLength = 1): Uint8Array {
  const ebml = encodeMaster(I.EBML, [encodeElement(I.EBMLVersion, uintBytes(1)), encodeElement(I.DocType, stringBytes('matroska'))]);
  const info = encodeMaster(I.Info, [encodeElement(I.TimecodeScale, uintBytes(1_000_000))]);
  const cluster = (tc: number, sizeLength: number): Uint8Array =>
    encodeMaster(I.Cluster, [encodeElement(I.Timecode, uintBytes(tc)), encodeElement(I.SimpleBlock, Uint8Array.of(0x81, 0, 0, 0x80, 0xaa, 0xbb)), encodeElement(I.SimpleBlock, Uint8Array.of(0x81, 0, 40, 0, 0xcc))], { unknownSize: true, sizeLength });
  const tags = encodeMaster(I.Tags, [encodeMaster(I.Tag, [encodeMaster(I.SimpleTag, [encodeElement(I.TagName, stringBytes('K')), encodeElement(I.TagString, stringBytes('v'))])])]);
  const segHead = concatBytes([Uint8Array.of(0x18, 0x53, 0x80, 0x67), unknownSizeField(segSizeLength)]);
  const segment2 = concatBytes([Uint8Array.of(0x18, 0x53, 0x80, 0x67, 0xff), info]);
  return concatBytes([ebml, segHead, info, cluster(0, 8), cluster(1000, 1), tags, ebml, segment2]);
}

function unknownSizeField(len: number): Uint8Array {
  const out = new Uint8Array(len).fill(0xff);
  out[0] = 0xff >> (len - 1);
  return out;
}

function summary(ev: EbmlEvent): string {
  const id = ev.id.toString(16);
  switch (ev.kind) {
    case 'start':
      return `start ${id} d${ev.depth} @${ev.start} size=${ev.size}`;
    case 'end':
      return `end ${id} d${ev.depth} @${ev.end}`;
    case 'leaf':
      return `leaf ${id} d${ev.depth} @${ev.start} ${hex(ev.data)}`;
    case 'element':
      return `element ${id} d${ev.depth} @${ev.start}..${ev.end} ${hex(ev.bytes)}`;
  }
}

function decodeAll(chunks: readonly Uint8Array[], policy?: (id: number, depth: number) => EbmlPolicy): string[] {
  const d = new EbmlStreamDecoder(MATROSKA_SCHEMA, { policy });
  const out: string[] = [];
  const drain = (): void => {
    for (;;) {
      const ev = d.next();
      if (ev === NEED_MORE || ev === END_OF_STREAM) return;
      out.push(summary(ev));
    }
  };
  for (const c of chunks) {
    d.push(c);
    drain();
  }
  d.end();
  drain();
  return out;
}

describe('EbmlStreamDecoder', () => {
  const stream = smallStream();
  const reference = decodeAll([stream]);

  it('emits masters, leaves and the ends of unknown-size masters (RFC 8794 §6.2)', () => {
    const kinds = reference.map((s) => s.split(' ').slice(0, 3).join(' '));
    expect(kinds).toEqual([
      'start 1a45dfa3 d0', 'leaf 4286 d1', 'leaf 4282 d1', 'end 1a45dfa3 d0',
      'start 18538067 d0', 'start 1549a966 d1', 'leaf 2ad7b1 d2', 'end 1549a966 d1',
      // Cluster 1 (unknown size, 8-octet form) ends where Cluster 2 starts.
      'start 1f43b675 d1', 'leaf e7 d2', 'leaf a3 d2', 'leaf a3 d2', 'end 1f43b675 d1',
      // Cluster 2 (unknown size, 1-octet form) ends where Tags start.
      'start 1f43b675 d1', 'leaf e7 d2', 'leaf a3 d2', 'leaf a3 d2', 'end 1f43b675 d1',
      'start 1254c367 d1', 'start 7373 d2', 'start 67c8 d3', 'leaf 45a3 d4', 'leaf 4487 d4', 'end 67c8 d3', 'end 7373 d2', 'end 1254c367 d1',
      // A second EBML header ends the unknown-size Segment.
      'end 18538067 d0', 'start 1a45dfa3 d0', 'leaf 4286 d1', 'leaf 4282 d1', 'end 1a45dfa3 d0',
      // The last Segment (and nothing else) ends with the stream.
      'start 18538067 d0', 'start 1549a966 d1', 'leaf 2ad7b1 d2', 'end 1549a966 d1', 'end 18538067 d0',
    ]);
  });

  it('gives the same events for a split at every byte boundary', () => {
    for (let i = 1; i < stream.length; i++) {
      expect(decodeAll([stream.subarray(0, i), stream.subarray(i)])).toEqual(reference);
    }
  });

  it('gives the same events fed one byte at a time', () => {
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decodeAll(bytes)).toEqual(reference);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('recognises a %i-octet unknown size on the Segment', (len) => {
    const events = decodeAll([smallStream(len)]);
    expect(events.filter((e) => e.startsWith('start 18538067'))[0]).toContain(`size=${UNKNOWN_SIZE}`);
    expect(events.length).toBe(reference.length);
  });

  it('collect: one element event with the bytes as received, a view when they sit in one chunk', () => {
    const policy = (id: number, depth: number): EbmlPolicy => (depth === 1 && id === I.Cluster ? 'collect' : depth === 0 && id === I.EBML ? 'skip' : 'emit');
    const whole = decodeAll([stream], policy);
    const clusters = whole.filter((e) => e.startsWith('element 1f43b675'));
    expect(clusters).toHaveLength(2);
    expect(whole.some((e) => e.startsWith('leaf a3'))).toBe(false); // children are not emitted
    expect(whole.some((e) => e.includes('1a45dfa3'))).toBe(false); // skipped
    for (let i = 1; i < stream.length; i += 3) expect(decodeAll([stream.subarray(0, i), stream.subarray(i)], policy)).toEqual(whole);

    const d = new EbmlStreamDecoder(MATROSKA_SCHEMA, { policy });
    const chunk = stream.slice();
    d.push(chunk);
    d.end();
    for (let ev = d.next(); ev !== END_OF_STREAM; ev = d.next()) {
      if (ev !== NEED_MORE && ev.kind === 'element') {
        expect(ev.bytes.buffer).toBe(chunk.buffer); // zero-copy
        expect(ev.unknownSize).toBe(true);
      }
    }
  });

  it('skip: a known-size element streams through without being buffered', () => {
    const big = encodeMaster(I.Segment, [encodeElement(I.Void, new Uint8Array(1 << 20)), encodeElement(I.Void, Uint8Array.of(7))]);
    const d = new EbmlStreamDecoder(MATROSKA_SCHEMA, { policy: (id) => (id === I.Void ? 'skip' : 'emit'), maxElementBytes: 1000 });
    const events: string[] = [];
    for (let p = 0; p < big.length; p += 4096) {
      d.push(big.subarray(p, p + 4096));
      for (let ev = d.next(); ev !== NEED_MORE; ev = d.next()) if (ev !== END_OF_STREAM) events.push(summary(ev));
    }
    expect(events.map((e) => e.split(' ')[0])).toEqual(['start', 'end']);
  });

  describe('need more bytes vs malformed vs truncated', () => {
    it('every proper prefix of a valid stream is NEED_MORE (never an error) until end(), then clean or TRUNCATED', () => {
      const endState = (i: number): string => {
        const d = new EbmlStreamDecoder(MATROSKA_SCHEMA);
        d.push(stream.subarray(0, i));
        for (let ev = d.next(); ev !== NEED_MORE; ev = d.next()) expect(ev).not.toBe(END_OF_STREAM);
        d.end();
        const err = errorOf(() => {
          while (d.next() !== END_OF_STREAM);
        });
        return err === undefined ? 'clean' : err.code;
      };
      const states = Array.from({ length: stream.length - 1 }, (_, k) => endState(k + 1));
      expect(new Set(states)).toEqual(new Set(['clean', 'TRUNCATED']));
      // Between two elements inside the unknown-size Segment and Clusters the stream may end (RFC 8794 §6.2)…
      const secondCluster = Buffer.from(stream).indexOf(Buffer.from('1f43b675', 'hex'), Buffer.from(stream).indexOf(Buffer.from('1f43b675', 'hex')) + 1);
      expect(states[secondCluster - 1]).toBe('clean');
      // …but not inside a SimpleBlock, a header, or the known-size EBML header.
      expect(states[secondCluster - 2]).toBe('TRUNCATED');
      expect(states[secondCluster + 1]).toBe('TRUNCATED');
      expect(states[5]).toBe('TRUNCATED');
    });

    it.each([
      ['zero octet where an id should be', '00 00 00 00'],
      ['a 5-octet id', '08 12 34 56 78 80'],
      ['a non-root element at top level (Cluster)', '1f 43 b6 75 80'],
      ['a child overrunning its known-size parent', '1a 45 df a3 83 42 86 85 01'],
      ['an unknown size on a leaf', '1a 45 df a3 ff 42 86 ff'],
      ['an integer of 9 octets', '1a 45 df a3 8c 42 86 89 00 00 00 00 00 00 00 00 01'],
      ['a float of 3 octets', '18 53 80 67 ff 15 49 a9 66 ff 44 89 83 00 00 00'],
    ])('%s is MALFORMED_EBML, already before end()', (_name, h) => {
      const d = new EbmlStreamDecoder(MATROSKA_SCHEMA);
      d.push(Uint8Array.from(Buffer.from(h.replace(/ /g, ''), 'hex')));
      const err = errorOf(() => {
        for (let ev = d.next(); ev !== NEED_MORE; ev = d.next());
      });
      expect(err?.code).toBe('MALFORMED_EBML');
      expect(err?.retriable).toBe(false);
      expect(err?.offset).toEqual(expect.any(Number));
    });

    it('an unknown-size master inside a known-size one ends with its parent', () => {
      const inner = concatBytes([Uint8Array.of(0x1f, 0x43, 0xb6, 0x75, 0xff), encodeElement(I.Timecode, uintBytes(5))]);
      const seg = encodeMaster(I.Segment, [inner, encodeMaster(I.Tags, [])]);
      const outer = concatBytes([seg, encodeMaster(I.EBML, [])]);
      const events = decodeAll([outer]).map((e) => e.split(' ').slice(0, 2).join(' '));
      expect(events).toEqual(['start 18538067', 'start 1f43b675', 'leaf e7', 'end 1f43b675', 'start 1254c367', 'end 1254c367', 'end 18538067', 'start 1a45dfa3', 'end 1a45dfa3']);
    });

    it('a huge element under the size cap is fine; over it UNSUPPORTED_MKV instead of unbounded buffering', () => {
      const d = new EbmlStreamDecoder(MATROSKA_SCHEMA, { maxElementBytes: 100 });
      d.push(concatBytes([Uint8Array.of(0x18, 0x53, 0x80, 0x67, 0xff), Uint8Array.of(0xa3, 0x40, 0xc8)]));
      expect(errorOf(() => {
        for (let ev = d.next(); ev !== NEED_MORE; ev = d.next());
      })?.code).toBe('UNSUPPORTED_MKV');
    });
  });
});
