/**
 * The init and media fragments of a session (kvs-reference.md §5.6), remuxed per request by @tributary/media:
 * `getMP4InitFragment.mp4` = ftyp + moov of one track, from the session's reference header (cached);
 * `getMP4MediaFragment.mp4` = moof + mdat of one stored fragment and one track, the mdat's samples views of the
 * stored cluster (zero-copy parts). mfhd sequence = log ordinal + 1; the last sample lasts until the next fragment
 * when one follows on.
 */
import { bytesLength, parseMatroskaFragment, remuxFragment } from '@tributary/media';
import { kvsErrors } from '../kvs-errors';
import { mediaFailure } from '../media-failure';
import { referenceTracks, type PlaylistContext } from './hls-playlist-builder';
import { inSession, playDuration } from './hls-session-view';

export interface Body {
  parts: Uint8Array[];
  length: number;
}

export function initFragment(ctx: PlaylistContext, trackNumber: number): Body {
  const init = ctx.cache.initSegment(referenceTracks(ctx), trackNumber);
  return { parts: [init], length: init.length };
}

export function mediaFragment(ctx: PlaylistContext, fragmentNumber: string, trackNumber: number): Body {
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
    const parsed = parseMatroskaFragment(frame.header, frame.cluster);
    if (!parsed.header.tracks.some((t) => t.number === trackNumber)) throw kvsErrors.invalidArgument(`The stream has no track ${trackNumber}.`);
    const { nextOffsetMs } = playDuration(log, entry);
    // Without a following fragment the writer repeats the previous sample duration for the last one.
    const timing = nextOffsetMs !== undefined ? { nextTimestampMs: parsed.cluster.timestampMs + nextOffsetMs } : undefined;
    const parts = remuxFragment(parsed, trackNumber, entry.ordinal + 1, timing);
    return { parts, length: bytesLength(parts) };
  } catch (err) {
    throw mediaFailure(err);
  }
}
