/**
 * What a camera recorded over a time window, from its fragments (ListFragments by producer timestamp): the
 * recorded ranges and the gaps between them, as the KVS console's timeline shows them. Pure: fragments in, ranges
 * out; free of Node's types (the browser pages read the answer, public-api.d.ts).
 *
 * A fragment covers [producer timestamp, + its length). Holes between fragments shorter than the gap threshold are
 * joined (producer clocks jitter, and one lost fragment is not a gap a viewer can scrub to); longer ones are gaps.
 * ListFragments returns fragments in no guaranteed order (kvs-reference.md §5.1): they are sorted here.
 */
export interface TimelineFragment {
  /** Producer (capture) timestamp, epoch ms. */
  startMs: number;
  /** FragmentLengthInMilliseconds; the typical length of the others when absent. */
  durationMs?: number;
}

export interface RecordedRange {
  /** Epoch ms, clipped to the window. */
  start: number;
  end: number;
  fragments: number;
}

export interface TimelineGap {
  start: number;
  end: number;
}

/** GET /api/streams/:name/timeline (api/timeline-route.ts). Times are epoch milliseconds. */
export interface RecordingTimeline {
  stream: string;
  from: number;
  to: number;
  ranges: RecordedRange[];
  /** Every stretch of the window of at least `minGapMs` without a fragment, including before the first and after the last. */
  gaps: TimelineGap[];
  /** Fragments read. */
  fragments: number;
  /** The hole that counts as a gap, ms. */
  minGapMs: number;
  /** End of the newest fragment, or null when the window holds none. */
  newestEnd: number | null;
  /** More fragments than the gateway reads per request: the ranges cover only those read. */
  truncated: boolean;
}

export interface RecordingTimelineOptions {
  stream: string;
  fromMs: number;
  toMs: number;
  /** Holes shorter than this are joined; default max(1000 ms, 1.5 × the typical fragment length). */
  minGapMs?: number;
  truncated?: boolean;
}

/** Fallback fragment length when no fragment states one. */
const DEFAULT_FRAGMENT_MS = 1000;

export function recordingTimeline(fragments: readonly TimelineFragment[], options: RecordingTimelineOptions): RecordingTimeline {
  const { fromMs, toMs } = options;
  const typical = typicalDuration(fragments);
  const minGapMs = options.minGapMs ?? Math.max(1000, Math.round(1.5 * typical));
  const sorted = [...fragments].sort((a, b) => a.startMs - b.startMs);
  const ranges: RecordedRange[] = [];
  let newestEnd: number | null = null;
  for (const f of sorted) {
    const end = f.startMs + Math.max(0, f.durationMs ?? typical);
    newestEnd = newestEnd === null ? end : Math.max(newestEnd, end);
    const last = ranges[ranges.length - 1];
    if (last && f.startMs - last.end < minGapMs) {
      last.end = Math.max(last.end, end);
      last.fragments++;
    } else {
      ranges.push({ start: f.startMs, end, fragments: 1 });
    }
  }
  const clipped = ranges
    .map((r) => ({ start: Math.max(r.start, fromMs), end: Math.min(r.end, toMs), fragments: r.fragments }))
    .filter((r) => r.end > r.start);
  return {
    stream: options.stream,
    from: fromMs,
    to: toMs,
    ranges: clipped,
    gaps: gapsBetween(clipped, fromMs, toMs, minGapMs),
    fragments: sorted.length,
    minGapMs,
    newestEnd,
    truncated: options.truncated ?? false,
  };
}

/** The stretches of [fromMs, toMs) no range covers, of at least minGapMs. */
function gapsBetween(ranges: readonly RecordedRange[], fromMs: number, toMs: number, minGapMs: number): TimelineGap[] {
  const gaps: TimelineGap[] = [];
  let cursor = fromMs;
  for (const r of ranges) {
    if (r.start - cursor >= minGapMs) gaps.push({ start: cursor, end: r.start });
    cursor = Math.max(cursor, r.end);
  }
  if (toMs - cursor >= minGapMs) gaps.push({ start: cursor, end: toMs });
  return gaps;
}

/** The median stated fragment length (robust to one odd fragment), else DEFAULT_FRAGMENT_MS. */
function typicalDuration(fragments: readonly TimelineFragment[]): number {
  const known = fragments.map((f) => f.durationMs).filter((d): d is number => d !== undefined && d > 0);
  if (known.length === 0) return DEFAULT_FRAGMENT_MS;
  known.sort((a, b) => a - b);
  return known[Math.floor(known.length / 2)] as number;
}
