/**
 * A camera's health as `tributary cameras` shows it, from what KVS says (the newest fragment's server timestamp)
 * and, when a camera-health table is given, what its producer last wrote there (video-producer's
 * camera-health-reporter; item schema in @tributary/schemas). Pure: the command does the calls.
 *
 *   receiving   a fragment arrived within `staleAfterMs`
 *   stale       fragments exist in the look-back, the newest older than `staleAfterMs`
 *   no data     nothing in the look-back (a new camera, or one gone longer than that)
 *   not archived  retention 0: KVS keeps no fragments to look at (live GetMedia only), so nothing can be said
 *   <status>    the stream is not ACTIVE (CREATING, UPDATING, DELETING): its status is its health
 */
import type { CameraHealthItem } from '@tributary/schemas';

/** `unknown`: the command could not read the camera's fragments (set by the command, not classified here). */
export type CameraHealth = 'receiving' | 'stale' | 'no data' | 'not archived' | 'unknown' | 'creating' | 'updating' | 'deleting';

export const CAMERA_HEALTH_DEFAULTS = {
  /** No fragment for this long: stale. KVS fragments are 1–20 s long, so a minute is several missed ones. */
  staleAfterMs: 60_000,
  /** ListFragments windows searched back from now, newest first, until one holds a fragment (cheap when live). */
  lookbackWindowsMs: [60_000, 10 * 60_000, 60 * 60_000] as readonly number[],
  /** A producer item older than this many of its intervals is stale: the producer is gone (as the dashboard). */
  producerStaleIntervals: 3,
} as const;

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** The look-back windows, newest first, adjacent and not overlapping: [now−1m, now], [now−10m, now−1m], … */
export function lookbackWindows(nowMs: number, spansMs: readonly number[] = CAMERA_HEALTH_DEFAULTS.lookbackWindowsMs): TimeWindow[] {
  const out: TimeWindow[] = [];
  let to = nowMs;
  for (const span of spansMs) {
    const from = nowMs - span;
    if (from < to) out.push({ from: new Date(from), to: new Date(to) });
    to = Math.min(to, from);
  }
  return out;
}

export interface CameraFacts {
  status?: string;
  retentionHours?: number;
  /** Server timestamp of the newest fragment found in the look-back. */
  lastFragmentServerMs?: number;
}

export function classifyCameraHealth(facts: CameraFacts, nowMs: number, staleAfterMs: number = CAMERA_HEALTH_DEFAULTS.staleAfterMs): CameraHealth {
  const { status, retentionHours, lastFragmentServerMs } = facts;
  if (status !== undefined && status !== 'ACTIVE') return status.toLowerCase() as CameraHealth;
  if (retentionHours === 0) return 'not archived';
  if (lastFragmentServerMs === undefined) return 'no data';
  return nowMs - lastFragmentServerMs <= staleAfterMs ? 'receiving' : 'stale';
}

/** What the producer said, as one word: its state, or `gone` when its item stopped being refreshed. */
export function producerStateOf(item: CameraHealthItem | undefined, nowMs: number): string | undefined {
  if (item === undefined) return undefined;
  const gone = nowMs - item.updatedAt > CAMERA_HEALTH_DEFAULTS.producerStaleIntervals * item.intervalMs;
  return gone ? 'gone' : item.state;
}
