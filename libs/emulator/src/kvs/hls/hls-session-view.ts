/**
 * Which stored fragments a session shows right now (kvs-reference.md §5.5, model doc of PlaybackMode):
 *
 * - LIVE: fragments as they are stored (a fragment is listed as soon as it is in the log: lowest latency), never
 *   back-filled, from the window at session start on; the playlist is the newest `maxResults`.
 * - LIVE_REPLAY: the fragments of the range, released one at a time as real time passes since the session
 *   started (fragment k once its offset from the first fragment has elapsed), newest `maxResults`; it ends once
 *   the whole range (with an end in the past) is released.
 * - ON_DEMAND: the range, oldest first, at most `maxResults`, fixed.
 *
 * Ranges select fragments by start timestamp (server or producer, per the selector), both ends included. By
 * producer timestamp, fragments are ordered by it and duplicates collapse to the newest fragment (model doc).
 */
import type { FragmentEntry, FragmentLog } from '../../storage/fragment-log';
import type { HlsSession } from './hls-session-token';

export interface SessionView {
  /** Every fragment of the session so far, in playlist order (media and discontinuity sequences count from it). */
  list: FragmentEntry[];
  /** Index in `list` of the first playlist segment; the playlist is `list.slice(from, to)`. */
  from: number;
  to: number;
  ended: boolean;
}

export const timestampOf = (s: Pick<HlsSession, 'selector'>, e: FragmentEntry): number =>
  s.selector === 'SERVER_TIMESTAMP' ? e.serverTimestampMs : e.producerTimestampMs;

/** Fragments of [startMs, endMs] by the session's selector, in playlist order. */
export function rangeFragments(log: FragmentLog, s: Pick<HlsSession, 'selector' | 'startMs' | 'endMs'>): FragmentEntry[] {
  const start = s.startMs ?? -Infinity;
  const end = s.endMs ?? Infinity;
  if (s.selector === 'SERVER_TIMESTAMP') {
    const out: FragmentEntry[] = [];
    for (let o = Math.max(log.firstOrdinal, log.ordinalAtOrAfterServerTime(start)); o < log.length; o++) {
      const e = log.entry(o);
      if (!e || e.serverTimestampMs > end) break;
      out.push(e);
    }
    return out;
  }
  const byTimestamp = new Map<number, FragmentEntry>();
  for (const e of log.entries()) if (e.producerTimestampMs >= start && e.producerTimestampMs <= end) byTimestamp.set(e.producerTimestampMs, e);
  return [...byTimestamp.values()].sort((a, b) => a.producerTimestampMs - b.producerTimestampMs);
}

export function sessionView(log: FragmentLog, s: HlsSession, nowMs: number): SessionView {
  if (s.mode === 'LIVE') {
    const first = Math.max(s.baseOrdinal, log.firstOrdinal);
    const list: FragmentEntry[] = [];
    for (let o = first; o < log.length; o++) {
      const e = log.entry(o);
      if (e) list.push(e);
    }
    return { list, from: Math.max(0, list.length - s.maxResults), to: list.length, ended: false };
  }
  const list = rangeFragments(log, s);
  if (s.mode === 'ON_DEMAND') return { list, from: 0, to: Math.min(list.length, s.maxResults), ended: true };
  const elapsed = nowMs - s.issuedAtMs;
  const first = list[0] ? timestampOf(s, list[0]) : 0;
  let released = 0;
  while (released < list.length && (released === 0 || timestampOf(s, list[released]) - first <= elapsed)) released++;
  const ended = s.endMs !== undefined && s.endMs <= nowMs && released === list.length;
  return { list: list.slice(0, released), from: Math.max(0, released - s.maxResults), to: released, ended };
}

/** Whether a stored fragment belongs to the session (players may only fetch those). */
export function inSession(s: HlsSession, e: FragmentEntry): boolean {
  if (s.mode === 'LIVE') return e.ordinal >= s.baseOrdinal;
  const t = timestampOf(s, e);
  return t >= (s.startMs ?? -Infinity) && t <= (s.endMs ?? Infinity);
}

/**
 * How long a fragment plays (its EXTINF, and where its last sample ends): the span of its video frames (first to
 * last frame start; by default the stored length, what ListFragments reports, which is the same when the stream has
 * no audio to run past the video) plus one frame interval for the last frame, as KVS's playlists show (EXTINF 1.857 s for fragments whose
 * FragmentLengthInMilliseconds is 1796 at ~16 fps: amazon-kinesis-client-nodejs #117). It depends on the fragment
 * alone, never on the fragment after it, so a LIVE playlist never changes the duration of a segment it has
 * published and a segment URL always names the same bytes.
 */
export function playDurationMs(e: FragmentEntry, frameIntervalMs: number, videoSpanMs: number = e.durationMs): number {
  return videoSpanMs + frameIntervalMs;
}

/**
 * The former rule, kept for ../dash (dash-timeline.ts, dash-fragment-server.ts), which still use it: up to the next
 * stored fragment when that one follows on (its producer start within a second after this one's last frame), else
 * the stored length. It changes once the next fragment arrives, which HLS no longer accepts (playDurationMs).
 */
export function playDuration(log: FragmentLog, e: FragmentEntry): { durationMs: number; nextOffsetMs?: number } {
  const next = log.entry(e.ordinal + 1);
  const d = next ? next.producerTimestampMs - e.producerTimestampMs : NaN;
  return d > e.durationMs && d <= e.durationMs + 1000 ? { durationMs: d, nextOffsetMs: d } : { durationMs: e.durationMs };
}
