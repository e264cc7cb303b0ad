/**
 * The pure parts of GetImages' extraction: cutting ffmpeg's image2pipe output into images (JPEG marker
 * segments, stuffed 0xFF bytes and restart markers in entropy-coded data; PNG chunks), the JPEGQuality mapping
 * and the command line.
 */
import { imageExtractionArgs, jpegQscale, splitJpegImages, splitPngImages } from './image-extractor';

/** A minimal JPEG: SOI, APP0 (length 6), SOS (length 4) + entropy data, EOI. */
function jpeg(entropy: number[]): Uint8Array {
  return Uint8Array.from([
    0xff, 0xd8, // SOI
    0xff, 0xe0, 0x00, 0x06, 0x4a, 0x46, 0x49, 0x46, // APP0, length 6 (the length field included): "JFIF"
    0xff, 0xda, 0x00, 0x04, 0x01, 0x02, // SOS, length 4
    ...entropy,
    0xff, 0xd9, // EOI
  ]); // prettier-ignore
}

/** A minimal PNG: signature, one chunk of `data` bytes, IEND (CRCs are not checked by the splitter). */
function png(data: number): Uint8Array {
  const chunk = (type: string, length: number): number[] => [0, 0, 0, length, ...[...type].map((c) => c.charCodeAt(0)), ...new Array<number>(length).fill(7), 1, 2, 3, 4];
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk('IHDR', data), ...chunk('IEND', 0)]);
}

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('splitJpegImages', () => {
  it('cuts concatenated images at EOI, past stuffed 0xFF00 and RSTn inside entropy-coded data', () => {
    const a = jpeg([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x00]);
    const b = jpeg([0x01, 0x02]);
    const images = splitJpegImages(concat(a, b));
    expect(images.map((i) => [...i])).toEqual([[...a], [...b]]);
  });

  it('skips 0xFF fill bytes before a marker', () => {
    const a = jpeg([0x11, 0xff, 0xff]); // 0x11, then two fill bytes before EOI
    expect(splitJpegImages(a)).toHaveLength(1);
  });

  it('leaves out an image cut off before its EOI, and stops at bytes that are not a JPEG', () => {
    const a = jpeg([0x01]);
    const b = jpeg([0x02, 0x03]);
    expect(splitJpegImages(concat(a, b.subarray(0, b.length - 1)))).toHaveLength(1);
    expect(splitJpegImages(concat(a, Uint8Array.of(0x00, 0x01), b))).toHaveLength(1);
    expect(splitJpegImages(new Uint8Array(0))).toEqual([]);
  });
});

describe('splitPngImages', () => {
  it('cuts concatenated images after IEND and drops a truncated last one', () => {
    const a = png(13);
    const b = png(3);
    expect(splitPngImages(concat(a, b)).map((i) => i.length)).toEqual([a.length, b.length]);
    expect(splitPngImages(concat(a, b.subarray(0, b.length - 2)))).toHaveLength(1);
    expect(splitPngImages(Uint8Array.of(1, 2, 3))).toEqual([]);
  });
});

describe('jpegQscale', () => {
  it.each([
    [100, 2],
    [80, 8],
    [50, 17],
    [1, 31],
    [0, 31],
    [101, 2],
  ])('JPEGQuality %i → -q:v %i', (quality, q) => expect(jpegQscale(quality)).toBe(q));
});

describe('imageExtractionArgs', () => {
  it('selects the frames by index, scales, and encodes JPEG with the mapped quality', () => {
    const args = imageExtractionArgs([3, 10], { format: 'JPEG', jpegQuality: 100, widthPixels: 160 });
    expect(args).toEqual(expect.arrayContaining(['-i', 'pipe:0', '-map', '0:v:0']));
    expect(args[args.indexOf('-vf') + 1]).toBe("select='eq(n,3)+eq(n,10)',scale=160:-1");
    expect(args[args.indexOf('-frames:v') + 1]).toBe('2');
    expect(args[args.indexOf('-c:v') + 1]).toBe('mjpeg');
    expect(args[args.indexOf('-q:v') + 1]).toBe('2');
  });

  it('writes PNG at the stored size when no size is asked', () => {
    const args = imageExtractionArgs([0], { format: 'PNG', jpegQuality: 80 });
    expect(args[args.indexOf('-vf') + 1]).toBe("select='eq(n,0)'");
    expect(args[args.indexOf('-c:v') + 1]).toBe('png');
    expect(args).not.toContain('-q:v');
  });
});
