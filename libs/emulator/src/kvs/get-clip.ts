/**
 * `POST /getClip` (`@aws-sdk/client-kinesis-video-archived-media`; kvs-reference.md §5.3): one non-fragmented MP4
 * (ftyp + moov + mdat, moov first) of the fragments whose start lies in the range, streamed as the body with
 * `Content-Type: video/mp4` and its length.
 *
 * - Validation (after the model shapes of kvs-shapes.ts): EndTimestamp later than StartTimestamp and within 24 h
 *   of it; for SERVER_TIMESTAMP, EndTimestamp not in the future (the model's ClipTimestampRange documentation).
 *   DataRetentionInHours 0 is NoDataRetentionException ("Data retention must be greater than 0").
 * - Fragments: start (producer or server timestamp) in [Start, End], both included, in timestamp order; of
 *   fragments with equal producer timestamps the first ingested (the model's ClipFragmentSelector). At most 200
 *   fragments or 100 MB (FragmentSizeInBytes summed), cut at the first fragment over either limit — the
 *   service's "first 100 MB or the first 200 fragments". None: ResourceNotFoundException.
 * - Tracks: those of the first fragment. The first must be H.264/H.265 video; further tracks are carried when MP4
 *   can carry them (AAC) and dropped otherwise (G.711, which KVS puts in its clips, is [unconfirmed] here).
 *   MediaError codes map to the model's exceptions (media-failure.ts). A fragment whose tracks
 *   differ (codec or codec private data) ends the clip there — a single moov cannot describe both ([unconfirmed]
 *   what the service does).
 *
 * The clip is built in memory (its moov needs every sample's size) from views of the stored clusters: the parts
 * are written as they are, with backpressure.
 */
import { bytesLength, mp4TrackFromMatroska, MediaError, parseMatroskaFragment, writeMp4Clip, type MkvTrack, type Mp4Track, type ParsedFragment } from '@tributary/media';
import type { Res } from '../server/http-exchange';
import { parseTimestamp } from '../kds/kds-context';
import type { FragmentEntry } from '../storage/fragment-log';
import { kvsErrors } from './kvs-errors';
import { startStreamedAnswer } from './kvs-http';
import type { KvsEnv, KvsRequestContext } from './kvs-context';
import type { KvsStream } from './kvs-stream';
import { writeParts } from './get-media';
import { mediaFailure } from './media-failure';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

export const GET_CLIP_LIMITS = {
  maxRangeMs: 24 * 3600_000,
  maxFragments: 200,
  maxBytes: 100 * 1024 * 1024,
} as const;

export const NO_CLIP_FRAGMENTS = 'No fragments found in the stream for the requested time range.';

type SelectorKey = 'serverTimestampMs' | 'producerTimestampMs';

/** Fragments whose start by `key` lies in [startMs, endMs], in timestamp order, producer duplicates dropped. */
export function clipFragments(stream: KvsStream, key: SelectorKey, startMs: number, endMs: number): FragmentEntry[] {
  const log = stream.log;
  const out: FragmentEntry[] = [];
  if (key === 'serverTimestampMs') {
    // Server timestamps never decrease with the ordinal: start at the range and stop past it.
    for (let o = log.ordinalAtOrAfterServerTime(startMs); o < log.length; o++) {
      const e = log.entry(o);
      if (!e || e.serverTimestampMs > endMs) break;
      out.push(e);
    }
    return out;
  }
  const seen = new Set<number>();
  for (const e of log.entries()) {
    if (e.producerTimestampMs < startMs || e.producerTimestampMs > endMs || seen.has(e.producerTimestampMs)) continue;
    seen.add(e.producerTimestampMs);
    out.push(e);
  }
  // Array.prototype.sort is stable: ingestion order among equal starts is kept.
  return out.sort((a, b) => a.producerTimestampMs - b.producerTimestampMs);
}

/** The first fragments within 200 fragments and 100 MB (at least one: a fragment is at most 50 MB). */
export function truncateClip(entries: readonly FragmentEntry[]): FragmentEntry[] {
  const out: FragmentEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (out.length >= GET_CLIP_LIMITS.maxFragments || (out.length > 0 && bytes + e.sizeBytes > GET_CLIP_LIMITS.maxBytes)) break;
    bytes += e.sizeBytes;
    out.push(e);
  }
  return out;
}

/** The clip's MP4 tracks from the first fragment's header (see the header of this file). */
function clipTracks(tracks: readonly MkvTrack[]): Mp4Track[] {
  const [first, ...rest] = tracks;
  if (first === undefined || first.type !== 'video') {
    throw new MediaError('UNSUPPORTED_CODEC', 'The first track of the stream is not H.264 or H.265 video.');
  }
  const out = [mp4TrackFromMatroska(first)];
  for (const t of rest) {
    try {
      out.push(mp4TrackFromMatroska(t));
    } catch (err) {
      if (!(err instanceof MediaError) || err.code !== 'UNSUPPORTED_CODEC') throw err;
    }
  }
  return out;
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b));

/** Whether `fragment` carries every clip track with the same codec and codec private data. */
function fitsTracks(fragment: ParsedFragment, tracks: readonly Mp4Track[], first: readonly MkvTrack[]): boolean {
  return tracks.every((t) => {
    const was = first.find((m) => m.number === t.id);
    const now = fragment.header.tracks.find((m) => m.number === t.id);
    return was !== undefined && now !== undefined && now.codecId === was.codecId && sameBytes(now.codecPrivate, was.codecPrivate);
  });
}

export async function getClip(env: KvsEnv, input: In, ctx: KvsRequestContext, res: Res): Promise<void> {
  const selector = input.ClipFragmentSelector;
  const startMs = parseTimestamp(selector.TimestampRange.StartTimestamp);
  const endMs = parseTimestamp(selector.TimestampRange.EndTimestamp);
  const key: SelectorKey = selector.FragmentSelectorType === 'SERVER_TIMESTAMP' ? 'serverTimestampMs' : 'producerTimestampMs';
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw kvsErrors.invalidArgument('The TimestampRange is not valid.');
  if (endMs <= startMs) throw kvsErrors.invalidArgument('The EndTimestamp must be later than the StartTimestamp.');
  if (endMs - startMs > GET_CLIP_LIMITS.maxRangeMs) throw kvsErrors.invalidArgument('The EndTimestamp must be within 24 hours of the StartTimestamp.');
  if (key === 'serverTimestampMs' && endMs > env.clock.now()) {
    throw kvsErrors.invalidArgument('The EndTimestamp must be in the past when the FragmentSelectorType is SERVER_TIMESTAMP.');
  }
  const stream = env.registry.find(input);
  if (stream.meta.retentionHours === 0) {
    throw kvsErrors.noDataRetention(`The stream ${stream.meta.name} does not retain data (DataRetentionInHours is 0).`);
  }
  env.registry.applyRetention(stream);

  const fragments: ParsedFragment[] = [];
  let tracks: Mp4Track[] | undefined;
  let firstTracks: readonly MkvTrack[] = [];
  try {
    for (const entry of truncateClip(clipFragments(stream, key, startMs, endMs))) {
      let stored;
      try {
        stored = stream.log.read(entry);
      } catch {
        continue; // trimmed by retention since the request began
      }
      const fragment = parseMatroskaFragment(stored.header, stored.cluster);
      if (!tracks) {
        firstTracks = fragment.header.tracks;
        tracks = clipTracks(firstTracks);
      } else if (!fitsTracks(fragment, tracks, firstTracks)) break;
      fragments.push(fragment);
    }
  } catch (err) {
    throw err instanceof MediaError ? mediaFailure(err) : err;
  }
  if (!tracks || fragments.length === 0) throw kvsErrors.resourceNotFound(NO_CLIP_FRAGMENTS);
  let parts: Uint8Array[];
  try {
    parts = writeMp4Clip(tracks, fragments);
  } catch (err) {
    throw err instanceof MediaError ? mediaFailure(err) : err;
  }
  startStreamedAnswer(res, { 'content-type': 'video/mp4', 'content-length': String(bytesLength(parts)), 'x-amzn-requestid': ctx.requestId });
  await writeParts(res, parts);
  if (!res.writableEnded && !res.destroyed) res.end();
}
