/**
 * The init and media fragments of a session (kvs-reference.md §5.6), remuxed per request by @tributary/media:
 * `getMP4InitFragment.mp4` = ftyp + moov of one track, from the session's reference header (cached);
 * `getMP4MediaFragment.mp4` = moof + mdat of one stored fragment and one track, the mdat's samples views of the
 * stored cluster (zero-copy parts). mfhd sequence = log ordinal + 1; the last sample lasts until the fragment's
 * EXTINF ends (hls-session-view.ts playDurationMs), so the bytes never depend on what arrives later.
 * `getTSFragment.ts` (ContainerFormat MPEG_TS) = one MPEG-TS segment with the video and, when the stream has one,
 * the AAC track 2, timestamped on the producer timeline (the fragment's producer timestamp + frame offsets) (the GetHLSStreamingSessionURL doc: GetTSFragment retrieves "MPEG TS fragments containing both
 * initialization and media data for all tracks").
 *
 * A session serves its own container only: the other format's resources answer 400 (KVS's behaviour there is not
 * documented; a player never asks for them).
 */
import { bytesLength, parseMatroskaFragment, remuxFragment, writeTsSegment, type ParsedFragment } from '@tributary/media';
import type { FragmentEntry } from '../../storage/fragment-log';
import { kvsErrors } from '../kvs-errors';
import { mediaFailure } from '../media-failure';
import { audioTrackOf, frameIntervalMs, referenceTracks, type PlaylistContext } from './hls-playlist-builder';
import { inSession, playDurationMs } from './hls-session-view';
import { videoSpanMs } from './hls-track-cache';
import type { Body } from '../player-http';

export type { Body } from '../player-http';

function requireFormat(ctx: PlaylistContext, ts: boolean): void {
  if ((ctx.session.containerFormat === 'MPEG_TS') !== ts) {
    throw kvsErrors.invalidArgument(`This streaming session's ContainerFormat is ${ctx.session.containerFormat ?? 'FRAGMENTED_MP4'}.`);
  }
}

export function initFragment(ctx: PlaylistContext, trackNumber: number): Body {
  requireFormat(ctx, false);
  const init = ctx.cache.initSegment(referenceTracks(ctx), trackNumber);
  return { parts: [init], length: init.length };
}

/** The stored fragment `fragmentNumber` of the session, parsed; 404 when unknown, outside the session or gone. */
function sessionFragment(ctx: PlaylistContext, fragmentNumber: string): { entry: FragmentEntry; parsed: ParsedFragment } {
  const log = ctx.stream.log;
  const entry = /^[0-9]{1,128}$/.test(fragmentNumber) ? log.find(fragmentNumber) : undefined;
  if (!entry) throw kvsErrors.resourceNotFound(`The fragment ${fragmentNumber} is not found in the stream ${ctx.stream.meta.name}.`);
  if (!inSession(ctx.session, entry)) throw kvsErrors.resourceNotFound(`The fragment ${fragmentNumber} is not part of this streaming session.`);
  let frame;
  try {
    frame = log.read(entry);
  } catch {
    throw kvsErrors.resourceNotFound(`The fragment ${fragmentNumber} is no longer stored.`);
  }
  try {
    return { entry, parsed: parseMatroskaFragment(frame.header, frame.cluster) };
  } catch (err) {
    throw mediaFailure(err);
  }
}

export function mediaFragment(ctx: PlaylistContext, fragmentNumber: string, trackNumber: number): Body {
  requireFormat(ctx, false);
  const { entry, parsed } = sessionFragment(ctx, fragmentNumber);
  if (!parsed.header.tracks.some((t) => t.number === trackNumber)) throw kvsErrors.invalidArgument(`The stream has no track ${trackNumber}.`);
  try {
    const endMs = parsed.cluster.timestampMs + playDurationMs(entry, frameIntervalMs(referenceTracks(ctx)), videoSpanMs(parsed.cluster));
    const parts = remuxFragment(parsed, trackNumber, entry.ordinal + 1, { nextTimestampMs: endMs });
    return { parts, length: bytesLength(parts) };
  } catch (err) {
    throw mediaFailure(err);
  }
}

export function tsFragment(ctx: PlaylistContext, fragmentNumber: string): Body {
  requireFormat(ctx, true);
  const { entry, parsed } = sessionFragment(ctx, fragmentNumber);
  try {
    const withAudio = audioTrackOf(referenceTracks(ctx)) !== undefined && parsed.header.tracks.some((t) => t.number === 2);
    // The producer timeline: RELATIVE clusters count from 0 per PutMedia connection, which would jump back.
    const offsetMs = entry.producerTimestampMs - parsed.cluster.timestampMs;
    const ts = writeTsSegment(parsed, { offsetMs, ...(withAudio ? { audioTrack: 2 } : {}) });
    return { parts: [ts], length: ts.length };
  } catch (err) {
    throw mediaFailure(err);
  }
}
