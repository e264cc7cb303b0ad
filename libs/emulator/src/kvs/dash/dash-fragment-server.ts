/**
 * GetMP4MediaFragment for DASH: the fragment numbered `SequenceNumber` in the session (dash-timeline.ts), one track,
 * remuxed per request like HLS's (../hls/hls-segment-server.ts: moof + mdat, sample bytes views of the stored
 * cluster), its timestamps moved onto the session's gap-free timeline so that `tfdt` is the manifest's `S@t`. The init
 * fragment is HLS's (the same ftyp + moov per track).
 */
import { bytesLength, parseMatroskaFragment, remuxFragment, type ParsedFragment } from '@tributary/media';
import { kvsErrors } from '../kvs-errors';
import { mediaFailure } from '../media-failure';
import { frameIntervalMs, referenceTracks } from '../hls/hls-playlist-builder';
import type { Body } from '../hls/hls-segment-server';
import type { DashContext } from './dash-manifest-builder';
import { dashTimeline, indexOfSequenceNumber } from './dash-timeline';

/** The fragment with every timestamp moved by `shiftMs` (frames are re-made; their bytes stay views). */
function shifted(fragment: ParsedFragment, shiftMs: number): ParsedFragment {
  const cluster = fragment.cluster;
  return {
    header: fragment.header,
    cluster: { ...cluster, timestampMs: cluster.timestampMs + shiftMs, frames: cluster.frames.map((f) => ({ ...f, timestampMs: f.timestampMs + shiftMs })) },
  };
}

export function dashMediaFragment(ctx: DashContext, sequenceText: string | null, trackNumber: number): Body {
  if (sequenceText === null) throw kvsErrors.invalidArgument('SequenceNumber is required.');
  if (!/^[1-9][0-9]{0,14}$/.test(sequenceText)) throw kvsErrors.invalidArgument(`SequenceNumber ${sequenceText} is not valid.`);
  const log = ctx.stream.log;
  const tl = dashTimeline(log, ctx.session, ctx.nowMs, frameIntervalMs(referenceTracks(ctx)));
  const index = indexOfSequenceNumber(ctx.session, tl.view.list, Number(sequenceText));
  if (index < 0 || index >= tl.view.to) throw kvsErrors.resourceNotFound(`The fragment ${sequenceText} is not part of this streaming session.`);
  const entry = tl.view.list[index];
  let frame;
  try {
    frame = log.read(entry);
  } catch {
    throw kvsErrors.resourceNotFound(`The fragment ${entry.fragmentNumberText} is no longer stored.`);
  }
  try {
    const parsed = parseMatroskaFragment(frame.header, frame.cluster);
    if (!parsed.header.tracks.some((t) => t.number === trackNumber)) throw kvsErrors.invalidArgument(`The stream has no track ${trackNumber}.`);
    const moved = shifted(parsed, tl.startMs[index] - parsed.cluster.timestampMs);
    // The last sample ends where the manifest's S ends.
    const parts = remuxFragment(moved, trackNumber, entry.ordinal + 1, { nextTimestampMs: tl.startMs[index] + tl.durationMs[index] });
    return { parts, length: bytesLength(parts) };
  } catch (err) {
    throw mediaFailure(err);
  }
}
