/**
 * The media timeline of a DASH session. The model doc of DisplayFragmentTimestamp: "MPEG-DASH compatible media
 * players do not properly handle gaps in the media timeline. Kinesis Video Streams adjusts the media timeline in the
 * manifest file to enable playback of media with discontinuities" — so each fragment of the session starts where the
 * one before it ends (gaps closed, producer clocks that jump back tolerated), the first at 0; the manifest's `S@t` and
 * the media fragment's `tfdt` both use this position. A fragment lasts what HLS's EXTINF says
 * (../hls/hls-session-view.ts playDurationMs: its own length plus a frame, never changed by what arrives later, so a
 * published `S` keeps its place), rounded to whole milliseconds (the manifest's timescale) without drifting.
 *
 * Fragments are "identified in the manifest file based on their sequence number in the session" (model doc of
 * DisplayFragmentNumber): `$Number$` is 1 for the first fragment of the session (a consumer of real KVS manifests
 * fetches 1..N for N `S` elements), and for LIVE the log ordinal from the session's first fragment on, so that a
 * number keeps naming the same fragment as the window slides.
 *
 * Known limit: positions count from the session's first fragment still stored; a LIVE session that outlives the
 * stream's retention of its first fragments sees later positions move back (KVS's behaviour there is unknown).
 */
import type { FragmentEntry, FragmentLog } from '../../storage/fragment-log';
import { playDurationMs, sessionView, type SessionView } from '../hls/hls-session-view';
import type { DashSession } from './dash-session';

export interface DashTimeline {
  view: SessionView;
  /** Start and duration (whole ms, session media timeline) of each fragment of `view.list`. */
  startMs: number[];
  durationMs: number[];
}

/** The view of the session now, and where each fragment sits; `frameIntervalMs` as HLS's EXTINF uses it. */
export function dashTimeline(log: FragmentLog, session: DashSession, nowMs: number, frameIntervalMs: number): DashTimeline {
  const view = sessionView(log, session, nowMs);
  const startMs: number[] = [];
  const durationMs: number[] = [];
  let position = 0;
  for (const e of view.list) {
    const start = Math.round(position);
    position += playDurationMs(e, frameIntervalMs);
    startMs.push(start);
    durationMs.push(Math.max(1, Math.round(position) - start)); // S@d must be positive
  }
  return { view, startMs, durationMs };
}

/** `$Number$` of the fragment at `index` of the view's list. */
export function sequenceNumberOf(session: DashSession, list: readonly FragmentEntry[], index: number): number {
  return session.mode === 'LIVE' ? list[index].ordinal - session.baseOrdinal + 1 : index + 1;
}

/** Index in the view's list of the fragment numbered `n`, or -1. */
export function indexOfSequenceNumber(session: DashSession, list: readonly FragmentEntry[], n: number): number {
  if (session.mode !== 'LIVE') return n >= 1 && n <= list.length ? n - 1 : -1;
  const ordinal = session.baseOrdinal + n - 1;
  // LIVE lists consecutive ordinals from the first one kept.
  const i = list.length > 0 ? ordinal - list[0].ordinal : -1;
  return i >= 0 && i < list.length && list[i].ordinal === ordinal ? i : list.findIndex((e) => e.ordinal === ordinal);
}
