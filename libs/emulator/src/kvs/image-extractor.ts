/**
 * Still images out of stored fragments, for GetImages (kvs-reference.md §5.4), by the real ffmpeg.
 *
 * One ffmpeg run per fragment, however many images are wanted from it: stdin is the fragment as one Matroska
 * document (the stored stream header, whose Segment size is unknown, then the Cluster), a `select` filter keeps
 * the wanted frames by their index in presentation order, `scale` sizes them, and mjpeg or png writes them one
 * after the other to stdout (`image2pipe`), where splitImages() cuts them apart. Measured on a 1 s, 25 fps,
 * 640×480 fragment: 5 images in one run took 87 ms, 5 runs of one image 369 ms — spawning and decoding from the
 * fragment's keyframe dominate, so decoding each fragment once is what matters.
 *
 * Runs are bounded: at most `concurrency` ffmpeg processes at a time per extractor (the emulator shares one),
 * each killed after its timeout or when the caller aborts (the client went away).
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConcurrencyLimiter } from '@tributary/runtime';
import { ffmpegBinary } from './ffmpeg-binary';

export type ImageFormat = 'JPEG' | 'PNG';

export interface ImageFormatOptions {
  format: ImageFormat;
  /** GetImages FormatConfig JPEGQuality, 1 (smallest) … 100 (best); JPEG only. */
  jpegQuality: number;
  /** Both: stretched to exactly this size. One: the other follows the aspect ratio. None: the stored size. */
  widthPixels?: number;
  heightPixels?: number;
}

export interface ImageExtractorOptions {
  /** Default: /usr/bin/ffmpeg, else @ffmpeg-installer/ffmpeg (ffmpeg-binary.ts). */
  ffmpegPath?: string;
  /** ffmpeg processes at a time (the machine's cores are shared with everything else). Default 2. */
  concurrency?: number;
  /** A run may take `runTimeoutMs + perImageTimeoutMs × images` before it is killed. */
  runTimeoutMs?: number;
  perImageTimeoutMs?: number;
}

export type ImageExtractionErrorCode = 'SPAWN_FAILED' | 'FFMPEG_FAILED' | 'TIMEOUT' | 'ABORTED';

export class ImageExtractionError extends Error {
  override name = 'ImageExtractionError';
  /** A timeout may pass on a less busy machine; ffmpeg refusing the bytes will not. */
  readonly retriable: boolean;
  constructor(
    readonly code: ImageExtractionErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = code === 'TIMEOUT';
  }
}

export const IMAGE_EXTRACTOR_DEFAULTS = { concurrency: 2, runTimeoutMs: 10_000, perImageTimeoutMs: 1_000 } as const;

/** JPEGQuality 1…100 → ffmpeg's mjpeg `-q:v` 31…2 (lower is better; 2 is the best mjpeg gives without -qmin). */
export function jpegQscale(quality: number): number {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  return Math.round(31 - ((q - 1) * 29) / 99);
}

/** The ffmpeg command line that writes the frames at `frameIndexes` (presentation order, distinct) of stdin. */
export function imageExtractionArgs(frameIndexes: readonly number[], o: ImageFormatOptions): string[] {
  // Quoted inside the filtergraph so its commas are not filter separators.
  const select = `select='${frameIndexes.map((n) => `eq(n,${n})`).join('+')}'`;
  const scale = o.widthPixels !== undefined || o.heightPixels !== undefined ? `,scale=${o.widthPixels ?? -1}:${o.heightPixels ?? -1}` : '';
  const codec = o.format === 'PNG' ? ['-c:v', 'png'] : ['-c:v', 'mjpeg', '-q:v', String(jpegQscale(o.jpegQuality))];
  return [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'matroska', '-i', 'pipe:0',
    '-map', '0:v:0',
    '-vf', select + scale,
    // One output image per selected frame, none duplicated or dropped to fit a frame rate (-fps_mode in ffmpeg ≥ 5.1).
    '-vsync', 'passthrough',
    '-frames:v', String(frameIndexes.length),
    ...codec,
    '-f', 'image2pipe', 'pipe:1',
  ]; // prettier-ignore
}

const isRst = (m: number): boolean => m >= 0xd0 && m <= 0xd7;

/**
 * Complete JPEG images of a concatenation (ITU-T T.81 Annex B): SOI, marker segments with 2-byte lengths, after
 * SOS entropy-coded data in which 0xFF is followed by 0x00 (stuffing) or RSTn, up to EOI. A cut-off last image is
 * left out.
 */
export function splitJpegImages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = bytes.length;
  let i = 0;
  while (i + 1 < n && bytes[i] === 0xff && bytes[i + 1] === 0xd8) {
    const start = i;
    i += 2;
    let ended = false;
    while (i + 1 < n) {
      if (bytes[i] !== 0xff) return out;
      const marker = bytes[i + 1];
      if (marker === 0xff) {
        i++; // fill byte
        continue;
      }
      if (marker === 0xd9) {
        i += 2;
        out.push(bytes.subarray(start, i));
        ended = true;
        break;
      }
      if (isRst(marker) || marker === 0x01) {
        i += 2; // standalone markers: no length
        continue;
      }
      if (i + 3 >= n) return out;
      i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
      if (marker === 0xda) {
        while (i + 1 < n && !(bytes[i] === 0xff && bytes[i + 1] !== 0x00 && !isRst(bytes[i + 1]))) i++;
      }
    }
    if (!ended) return out;
  }
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Complete PNG images of a concatenation (PNG spec §5: signature, chunks of length + type + data + CRC, IEND). */
export function splitPngImages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = bytes.length;
  let i = 0;
  while (i + 8 <= n && PNG_SIGNATURE.every((b, k) => bytes[i + k] === b)) {
    const start = i;
    i += 8;
    let ended = false;
    while (i + 12 <= n) {
      const length = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
      const type = String.fromCharCode(bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
      i += 12 + length;
      if (i > n) return out;
      if (type === 'IEND') {
        out.push(bytes.subarray(start, i));
        ended = true;
        break;
      }
    }
    if (!ended) return out;
  }
  return out;
}

export function splitImages(bytes: Uint8Array, format: ImageFormat): Uint8Array[] {
  return format === 'PNG' ? splitPngImages(bytes) : splitJpegImages(bytes);
}

export class ImageExtractor {
  private readonly limiter: ConcurrencyLimiter;
  private readonly o: Required<Omit<ImageExtractorOptions, 'ffmpegPath'>> & { ffmpegPath?: string };

  constructor(options: ImageExtractorOptions = {}) {
    this.o = { ...IMAGE_EXTRACTOR_DEFAULTS, ...options };
    this.limiter = new ConcurrencyLimiter(Math.max(1, Math.ceil(this.o.concurrency)));
  }

  /**
   * The images of frames `frameIndexes` (distinct, presentation order within the document) of the Matroska
   * document `document`, in the order asked; `undefined` for frames ffmpeg did not get to (the document has
   * fewer decodable frames). A failed, timed-out or aborted run throws ImageExtractionError.
   */
  extract(
    document: readonly Uint8Array[],
    frameIndexes: readonly number[],
    options: ImageFormatOptions,
    signal?: AbortSignal,
  ): Promise<(Uint8Array | undefined)[]> {
    if (frameIndexes.length === 0) return Promise.resolve([]);
    // ffmpeg writes in presentation order; answer in the caller's order.
    const sorted = [...frameIndexes].sort((a, b) => a - b);
    return this.limiter.run(async () => {
      if (signal?.aborted) throw new ImageExtractionError('ABORTED', 'the request was abandoned');
      const timeoutMs = this.o.runTimeoutMs + this.o.perImageTimeoutMs * sorted.length;
      const out = await this.runFfmpeg(document, imageExtractionArgs(sorted, options), timeoutMs, signal);
      const images = splitImages(out, options.format);
      // Images come out in frame order; a short answer lacks the last ones.
      return frameIndexes.map((n) => images[sorted.indexOf(n)]);
    });
  }

  private runFfmpeg(input: readonly Uint8Array[], args: string[], timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.o.ffmpegPath ?? ffmpegBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let stderr = '';
      let settled = false;
      const settle = (err?: ImageExtractionError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          child.kill('SIGKILL');
          reject(err);
        } else resolve(Buffer.concat(out));
      };
      const onAbort = (): void => settle(new ImageExtractionError('ABORTED', 'the request was abandoned'));
      const timer = setTimeout(() => settle(new ImageExtractionError('TIMEOUT', `ffmpeg took longer than ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => settle(new ImageExtractionError('SPAWN_FAILED', `cannot run ffmpeg: ${err.message}`, { cause: err })));
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      child.on('close', (code, sig) => {
        if (code === 0) settle();
        else settle(new ImageExtractionError('FFMPEG_FAILED', `ffmpeg exited with ${code ?? sig}: ${stderr.trim().slice(0, 500)}`));
      });
      // ffmpeg stops reading once it has its last frame (EPIPE here): not a failure, its exit status tells.
      pipeline(Readable.from(input), child.stdin).catch(() => undefined);
    });
  }
}
