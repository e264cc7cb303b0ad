/**
 * ListFragments answers turned into a timeline: fragments in producer-time order (the service leaves the order
 * unspecified, kvs-reference.md §5.1), each with the gap before it when the previous fragment's end (producer
 * start + duration) leaves more than `toleranceMs` uncovered — a camera that dropped off, or a spool that lost
 * fragments. Pure: the command maps SDK `Fragment`s in with `fragmentInfoOf`.
 */
import type { Fragment } from '@aws-sdk/client-kinesis-video-archived-media';

export interface FragmentInfo {
  fragmentNumber: string;
  producerMs: number;
  serverMs: number;
  durationMs: number;
  sizeBytes: number;
}

export interface TimelineEntry extends FragmentInfo {
  /** Uncovered time between the previous fragment's end and this one's start; absent when there is no gap. */
  gapBeforeMs?: number;
}

/** Default tolerance: under half a second of jitter between one fragment's end and the next start is no gap. */
export const DEFAULT_GAP_TOLERANCE_MS = 500;

/** The SDK's Fragment as plain numbers (missing fields 0: the service always sends them). */
export function fragmentInfoOf(f: Fragment): FragmentInfo {
  return {
    fragmentNumber: f.FragmentNumber ?? '',
    producerMs: f.ProducerTimestamp?.getTime() ?? 0,
    serverMs: f.ServerTimestamp?.getTime() ?? 0,
    durationMs: f.FragmentLengthInMilliseconds ?? 0,
    sizeBytes: f.FragmentSizeInBytes ?? 0,
  };
}

/** Fragments by producer time (ties by fragment number, numerically), gaps marked. */
export function buildTimeline(fragments: readonly FragmentInfo[], toleranceMs = DEFAULT_GAP_TOLERANCE_MS): TimelineEntry[] {
  const sorted = [...fragments].sort((a, b) => a.producerMs - b.producerMs || compareFragmentNumbers(a.fragmentNumber, b.fragmentNumber));
  return sorted.map((f, i) => {
    if (i === 0) return { ...f };
    const prev = sorted[i - 1];
    const gap = f.producerMs - (prev.producerMs + prev.durationMs);
    return gap > toleranceMs ? { ...f, gapBeforeMs: gap } : { ...f };
  });
}

/** Fragment numbers are decimal strings longer than 2^53: compare by length, then text. */
export function compareFragmentNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export interface TimelineSummary {
  fragments: number;
  bytes: number;
  durationMs: number;
  gaps: number;
  gapMs: number;
}

export function summarizeTimeline(entries: readonly TimelineEntry[]): TimelineSummary {
  let bytes = 0;
  let durationMs = 0;
  let gaps = 0;
  let gapMs = 0;
  for (const e of entries) {
    bytes += e.sizeBytes;
    durationMs += e.durationMs;
    if (e.gapBeforeMs !== undefined) {
      gaps++;
      gapMs += e.gapBeforeMs;
    }
  }
  return { fragments: entries.length, bytes, durationMs, gaps, gapMs };
}
