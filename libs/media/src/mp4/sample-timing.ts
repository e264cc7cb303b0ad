/**
 * Decode and composition times for MP4 samples from Matroska frames, which carry presentation times only.
 * Frames come in decode order; with B-frames their PTS are out of order. Within a fragment (a closed GOP, as KVS
 * fragments open on a keyframe) the decode times are the same PTS values sorted ascending, handed out in decode
 * order: DTS ≤ … and every PTS is used once, so a fragment's first DTS is its keyframe's PTS and consecutive
 * fragments join without a gap. Composition offsets are PTS − DTS, negative for frames decoded before they are
 * shown (trun version 1 / ctts version 1 carry signed offsets).
 */
import type { MkvFrame } from '../matroska/matroska-types';
import type { Mp4Track } from './mp4-track';

/** Milliseconds (possibly fractional) to timescale ticks. */
export function msToTimescale(ms: number, timescale: number): number {
  return Math.round((ms * timescale) / 1000);
}

/** PTS in ticks and the derived DTS, per frame in decode order. */
export function decodeTimestamps(frames: readonly MkvFrame[], timescale: number): { pts: Float64Array; dts: Float64Array } {
  const pts = new Float64Array(frames.length);
  let ordered = true;
  for (let i = 0; i < frames.length; i++) {
    pts[i] = msToTimescale(frames[i].timestampMs, timescale);
    if (i > 0 && pts[i] < pts[i - 1]) ordered = false;
  }
  return { pts, dts: ordered ? pts : pts.slice().sort() };
}

export interface SampleTable {
  /** Decode time of each sample (ticks), strictly increasing. */
  dts: Float64Array;
  durations: Uint32Array;
  /** PTS − DTS per sample. */
  ctsOffsets: Int32Array;
  /** Some offset is non-zero (B-frames): write them. */
  hasCtsOffsets: boolean;
  /** Some offset is negative: needs the signed (version 1) form. */
  hasNegativeCtsOffsets: boolean;
}

/** The sample duration used when nothing follows a lone or last sample. */
export function fallbackDuration(track: Mp4Track): number {
  if (track.samplesPerFrame !== undefined) return track.samplesPerFrame;
  const fps = track.frameRate !== undefined && track.frameRate > 0 ? track.frameRate : 30;
  return Math.max(1, Math.round(track.timescale / fps));
}

/**
 * Durations from consecutive decode times; the last one reaches `endDts` (the next fragment's start) when given
 * and later than the last DTS, else repeats the previous duration (or `fallback` for a single sample). Decode times
 * that would not increase (overlapping input) are nudged forward one tick so every duration stays positive.
 */
export function sampleTable(pts: Float64Array, dtsIn: Float64Array, fallback: number, endDts?: number): SampleTable {
  const n = pts.length;
  const dts = dtsIn === pts ? pts.slice() : dtsIn;
  for (let i = 1; i < n; i++) if (dts[i] <= dts[i - 1]) dts[i] = dts[i - 1] + 1;
  const durations = new Uint32Array(n);
  const ctsOffsets = new Int32Array(n);
  let hasCtsOffsets = false;
  let hasNegativeCtsOffsets = false;
  for (let i = 0; i < n; i++) {
    if (i + 1 < n) durations[i] = dts[i + 1] - dts[i];
    else if (endDts !== undefined && endDts > dts[i]) durations[i] = endDts - dts[i];
    else durations[i] = i > 0 ? durations[i - 1] : fallback;
    const c = pts[i] - dts[i];
    ctsOffsets[i] = c;
    if (c !== 0) {
      hasCtsOffsets = true;
      if (c < 0) hasNegativeCtsOffsets = true;
    }
  }
  return { dts, durations, ctsOffsets, hasCtsOffsets, hasNegativeCtsOffsets };
}
