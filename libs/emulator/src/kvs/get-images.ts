/**
 * `POST /getImages` (`@aws-sdk/client-kinesis-video-archived-media`; kvs-reference.md §5.4): still images of a
 * stream at `StartTimestamp`, `StartTimestamp + SamplingInterval`, … up to `EndTimestamp` (inclusive), by producer
 * or server timestamps, as JSON `{ Images: [{ TimeStamp, ImageContent (base64) } | { TimeStamp, Error }],
 * NextToken? }`.
 *
 * - Validation (after the model shapes of kvs-shapes.ts): End not before Start and at most 300 s after it,
 *   SamplingInterval ≥ 200 ms (the model has no range; the documentation states the minimum), FormatConfig
 *   JPEGQuality an integer 1–100 (default 80). A stream with DataRetentionInHours 0 is NoDataRetentionException.
 * - Pages: `MaxResults` images per answer, at most 25 (the documented page size; default 25), and a NextToken
 *   while sample times remain — MaxResults is a page size, as the SDK's paginateGetImages treats it.
 *   SamplingInterval defaults to 3000 ms when absent (the former minimum; the current default is [unconfirmed]).
 * - An image for time T comes from the fragment that covers T: the latest one starting at or before T (by the
 *   selector's timestamp; of equal producer timestamps the first ingested), if T falls before the end of its
 *   last frame. The frame shown at T is the last one presented at or before T. None: `Error: NO_MEDIA`.
 *   The fragment cannot be decoded, has no video track, or ffmpeg fails or times out: `Error: MEDIA_ERROR`.
 * - WidthPixels and HeightPixels both: stretched to that size; one of them: the other keeps the aspect ratio
 *   (the model's documentation contradicts itself on width alone; being lenient is the useful choice).
 *
 * Every fragment is decoded once per request, however many sample times fall into it (image-extractor.ts).
 */
import { MediaError, parseMatroskaFragment } from '@tributary/media';
import type { Res } from '../server/http-exchange';
import { parseTimestamp } from '../kds/kds-context';
import type { FragmentEntry } from '../storage/fragment-log';
import type { DecodedFragmentFrame } from '../storage/fragment-frame-codec';
import { kvsErrors } from './kvs-errors';
import { sendKvsJson } from './kvs-http';
import { toEpochSeconds, type KvsEnv, type KvsRequestContext } from './kvs-context';
import type { KvsStream } from './kvs-stream';
import { ImageExtractionError, ImageExtractor, type ImageFormatOptions } from './image-extractor';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

export const GET_IMAGES_LIMITS = {
  maxRangeMs: 300_000,
  minSamplingIntervalMs: 200,
  defaultSamplingIntervalMs: 3_000,
  pageSize: 25,
  defaultJpegQuality: 80,
  /** How far past a fragment's last frame start a time may be and still look worth decoding. */
  maxFrameGapMs: 1_000,
} as const;

type SelectorKey = 'serverTimestampMs' | 'producerTimestampMs';

interface ImagesQuery {
  key: SelectorKey;
  startMs: number;
  endMs: number;
  intervalMs: number;
  /** Number of sample times in the range. */
  count: number;
}

interface ImagesToken {
  /** Index of the next sample time. */
  i: number;
  t: string;
  s: number;
  e: number;
  v: number;
}

type ImageResult = { TimeStamp: number; ImageContent: string } | { TimeStamp: number; Error: 'NO_MEDIA' | 'MEDIA_ERROR' };

const extractors = new WeakMap<KvsEnv, ImageExtractor>();

/** The emulator's one extractor: its concurrency bound holds across requests. */
function extractorOf(env: KvsEnv): ImageExtractor {
  let extractor = extractors.get(env);
  if (!extractor) extractors.set(env, (extractor = new ImageExtractor()));
  return extractor;
}

function readQuery(input: In): ImagesQuery {
  const startMs = parseTimestamp(input.StartTimestamp);
  const endMs = parseTimestamp(input.EndTimestamp);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw kvsErrors.invalidArgument('StartTimestamp and EndTimestamp must be valid timestamps.');
  if (endMs < startMs) throw kvsErrors.invalidArgument('The EndTimestamp must not be before the StartTimestamp.');
  if (endMs - startMs > GET_IMAGES_LIMITS.maxRangeMs) {
    throw kvsErrors.invalidArgument('The time range between StartTimestamp and EndTimestamp must not exceed 300 seconds.');
  }
  const intervalMs: number = input.SamplingInterval ?? GET_IMAGES_LIMITS.defaultSamplingIntervalMs;
  if (intervalMs < GET_IMAGES_LIMITS.minSamplingIntervalMs) {
    throw kvsErrors.invalidArgument(`The SamplingInterval must be at least ${GET_IMAGES_LIMITS.minSamplingIntervalMs} milliseconds.`);
  }
  const key: SelectorKey = input.ImageSelectorType === 'SERVER_TIMESTAMP' ? 'serverTimestampMs' : 'producerTimestampMs';
  return { key, startMs, endMs, intervalMs, count: Math.floor((endMs - startMs) / intervalMs) + 1 };
}

function readFormat(input: In): ImageFormatOptions {
  let jpegQuality: number = GET_IMAGES_LIMITS.defaultJpegQuality;
  const config = input.FormatConfig as Record<string, string> | undefined;
  if (config?.JPEGQuality !== undefined) {
    jpegQuality = /^[0-9]{1,3}$/.test(config.JPEGQuality) ? Number(config.JPEGQuality) : NaN;
    if (!(jpegQuality >= 1 && jpegQuality <= 100)) throw kvsErrors.invalidArgument('The FormatConfig JPEGQuality must be an integer from 1 to 100.');
  }
  return { format: input.Format, jpegQuality, widthPixels: input.WidthPixels, heightPixels: input.HeightPixels };
}

function tokenOf(q: ImagesQuery, input: In, next: number): string {
  const token: ImagesToken = { i: next, t: input.ImageSelectorType, s: q.startMs, e: q.endMs, v: q.intervalMs };
  return Buffer.from(JSON.stringify(token)).toString('base64');
}

/** The sample index a NextToken resumes at; it must come from the same range and selector. */
function resumeAt(text: string, q: ImagesQuery, input: In): number {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as ImagesToken;
    if (Number.isInteger(t.i) && t.i >= 0 && t.i < q.count && t.t === input.ImageSelectorType && t.s === q.startMs && t.e === q.endMs && t.v === q.intervalMs) {
      return t.i;
    }
  } catch {
    // falls through to the error below
  }
  throw kvsErrors.invalidArgument('The NextToken is not valid for this request.');
}

/** The fragment that may hold time `t`: the latest one starting at or before it (see the header). */
function candidateFragment(stream: KvsStream, key: SelectorKey, t: number, entries: () => readonly FragmentEntry[]): FragmentEntry | undefined {
  let best: FragmentEntry | undefined;
  if (key === 'serverTimestampMs') {
    // Server timestamps never decrease with the ordinal: the one before the first that starts after t.
    best = stream.log.entry(stream.log.ordinalAtOrAfterServerTime(t + 1e-6) - 1);
  } else {
    for (const e of entries()) if (e[key] <= t && (!best || e[key] > best[key])) best = e;
  }
  return best && t - best[key] <= best.durationMs + GET_IMAGES_LIMITS.maxFrameGapMs ? best : undefined;
}

interface VideoFrames {
  /** Presentation times of the first video track's frames, ascending. */
  timestampsMs: number[];
}

/** The first video track's frame times of a stored fragment (what ffmpeg's `-map 0:v:0` decodes). */
function videoFramesOf(stored: DecodedFragmentFrame): VideoFrames | undefined {
  const { header, cluster } = parseMatroskaFragment(stored.header, stored.cluster);
  const track = header.tracks.find((t) => t.type === 'video')?.number;
  if (track === undefined) return undefined;
  const timestampsMs = cluster.frames.filter((f) => f.track === track).map((f) => f.timestampMs);
  return timestampsMs.length > 0 ? { timestampsMs: timestampsMs.sort((a, b) => a - b) } : undefined;
}

/**
 * Index (presentation order) of the frame on screen `offsetMs` after the fragment's first frame, or undefined
 * when that is past the last frame's end (its duration taken as the mean frame interval).
 */
export function frameIndexAt(timestampsMs: readonly number[], offsetMs: number): number | undefined {
  const first = timestampsMs[0];
  const last = timestampsMs[timestampsMs.length - 1];
  const frameMs = timestampsMs.length > 1 ? (last - first) / (timestampsMs.length - 1) : GET_IMAGES_LIMITS.maxFrameGapMs;
  const target = first + offsetMs;
  if (offsetMs < 0 || target >= last + frameMs) return undefined;
  let index = 0;
  // A microsecond of slack: sample times and frame times are both milliseconds carried in floating point.
  while (index + 1 < timestampsMs.length && timestampsMs[index + 1] <= target + 1e-3) index++;
  return index;
}

export async function getImages(env: KvsEnv, input: In, ctx: KvsRequestContext, res: Res): Promise<void> {
  const query = readQuery(input);
  const format = readFormat(input);
  const stream = env.registry.find(input);
  if (stream.meta.retentionHours === 0) {
    throw kvsErrors.noDataRetention(`The stream ${stream.meta.name} does not retain data (DataRetentionInHours is 0).`);
  }
  env.registry.applyRetention(stream);
  const first = input.NextToken !== undefined ? resumeAt(input.NextToken, query, input) : 0;
  const pageSize = Math.min(input.MaxResults ?? GET_IMAGES_LIMITS.pageSize, GET_IMAGES_LIMITS.pageSize);
  const last = Math.min(query.count, first + pageSize);

  // The client going away stops the ffmpeg runs of this request.
  const abandoned = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abandoned.abort();
  });

  let entries: readonly FragmentEntry[] | undefined;
  const allEntries = (): readonly FragmentEntry[] => (entries ??= stream.log.entries());
  const results: ImageResult[] = [];
  const byFragment = new Map<FragmentEntry, number[]>();
  for (let i = first; i < last; i++) {
    const t = query.startMs + i * query.intervalMs;
    results.push({ TimeStamp: toEpochSeconds(t), Error: 'NO_MEDIA' });
    const entry = candidateFragment(stream, query.key, t, allEntries);
    if (!entry) continue;
    const slots = byFragment.get(entry);
    if (slots) slots.push(i - first);
    else byFragment.set(entry, [i - first]);
  }

  const extractor = extractorOf(env);
  await Promise.all(
    [...byFragment].map(async ([entry, slots]) => {
      let stored: DecodedFragmentFrame;
      try {
        stored = stream.log.read(entry);
      } catch {
        return; // trimmed by retention since the request began: NO_MEDIA
      }
      let video: VideoFrames | undefined;
      try {
        video = videoFramesOf(stored);
      } catch (err) {
        if (!(err instanceof MediaError)) throw err;
      }
      const frameOf = new Map<number, number>();
      for (const slot of slots) {
        const t = query.startMs + (first + slot) * query.intervalMs;
        if (!video) results[slot] = { TimeStamp: toEpochSeconds(t), Error: 'MEDIA_ERROR' };
        else {
          const index = frameIndexAt(video.timestampsMs, t - entry[query.key]);
          if (index !== undefined) frameOf.set(slot, index);
        }
      }
      if (frameOf.size === 0) return;
      const indexes = [...new Set(frameOf.values())];
      let images: (Uint8Array | undefined)[] = [];
      try {
        images = await extractor.extract([stored.header, stored.cluster], indexes, format, abandoned.signal);
      } catch (err) {
        if (!(err instanceof ImageExtractionError)) throw err;
        env.logger.warn({ err, stream: stream.meta.name, fragment: entry.fragmentNumberText }, 'GetImages could not decode a fragment');
      }
      for (const [slot, index] of frameOf) {
        const image = images[indexes.indexOf(index)];
        const timeStamp = toEpochSeconds(query.startMs + (first + slot) * query.intervalMs);
        results[slot] = image ? { TimeStamp: timeStamp, ImageContent: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64') } : { TimeStamp: timeStamp, Error: 'MEDIA_ERROR' };
      }
    }),
  );
  if (abandoned.signal.aborted) return;
  sendKvsJson(res, 200, { Images: results, ...(last < query.count ? { NextToken: tokenOf(query, input, last) } : {}) }, ctx.requestId);
}
