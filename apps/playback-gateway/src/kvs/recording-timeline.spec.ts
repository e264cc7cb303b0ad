import { recordingTimeline, type TimelineFragment } from './recording-timeline';

/** `count` back-to-back fragments of `ms` from `start`. */
const run = (start: number, count: number, ms = 1000): TimelineFragment[] =>
  Array.from({ length: count }, (_, i) => ({ startMs: start + i * ms, durationMs: ms }));

const T0 = 1_800_000_000_000;

describe('recordingTimeline', () => {
  it('joins back-to-back fragments into one range and reports the gaps before and after it', () => {
    const t = recordingTimeline(run(T0 + 10_000, 20), { stream: 'cam', fromMs: T0, toMs: T0 + 60_000 });
    expect(t.ranges).toEqual([{ start: T0 + 10_000, end: T0 + 30_000, fragments: 20 }]);
    expect(t.gaps).toEqual([
      { start: T0, end: T0 + 10_000 },
      { start: T0 + 30_000, end: T0 + 60_000 },
    ]);
    expect(t).toMatchObject({ stream: 'cam', from: T0, to: T0 + 60_000, fragments: 20, minGapMs: 1500, newestEnd: T0 + 30_000, truncated: false });
  });

  it('splits at a hole of at least the threshold and joins shorter ones (one lost fragment, the last frame KVS leaves out)', () => {
    // FragmentLengthInMilliseconds excludes the last frame (kvs-reference.md §3.5): 960 ms per 1000-ms fragment.
    const jittery = run(T0, 5).map((f) => ({ ...f, durationMs: 960 }));
    const oneLost = [...run(T0 + 5_000, 3), ...run(T0 + 9_000, 3)]; // a 1-s hole: below 1.5 s
    const outage = run(T0 + 20_000, 5); // 8 s after the previous end
    const t = recordingTimeline([...outage, ...oneLost, ...jittery], { stream: 'cam', fromMs: T0, toMs: T0 + 25_000 });
    expect(t.ranges).toEqual([
      { start: T0, end: T0 + 12_000, fragments: 11 },
      { start: T0 + 20_000, end: T0 + 25_000, fragments: 5 },
    ]);
    expect(t.gaps).toEqual([{ start: T0 + 12_000, end: T0 + 20_000 }]);
  });

  it('sorts fragments given in any order (ListFragments promises none) and clips ranges to the window', () => {
    const fragments = run(T0 - 3_000, 10).reverse();
    const t = recordingTimeline(fragments, { stream: 'cam', fromMs: T0, toMs: T0 + 5_000 });
    expect(t.ranges).toEqual([{ start: T0, end: T0 + 5_000, fragments: 10 }]);
    expect(t.gaps).toEqual([]);
    expect(t.newestEnd).toBe(T0 + 7_000);
  });

  it('takes the median stated length for fragments without one and for the default threshold', () => {
    const fragments: TimelineFragment[] = [...run(T0, 3, 500), { startMs: T0 + 1_500 }, { startMs: T0 + 4_000, durationMs: 500 }];
    const t = recordingTimeline(fragments, { stream: 'cam', fromMs: T0, toMs: T0 + 4_500 });
    // Threshold max(1000, 1.5 × 500): the 2-s hole after T0 + 2000 is a gap.
    expect(t.minGapMs).toBe(1000);
    expect(t.ranges).toEqual([
      { start: T0, end: T0 + 2_000, fragments: 4 },
      { start: T0 + 4_000, end: T0 + 4_500, fragments: 1 },
    ]);
    expect(t.gaps).toEqual([{ start: T0 + 2_000, end: T0 + 4_000 }]);
  });

  it('honours a given threshold, and an empty window is one gap', () => {
    const t = recordingTimeline([...run(T0, 2), ...run(T0 + 3_000, 2)], { stream: 'cam', fromMs: T0, toMs: T0 + 5_000, minGapMs: 5_000 });
    expect(t.ranges).toEqual([{ start: T0, end: T0 + 5_000, fragments: 4 }]);
    const empty = recordingTimeline([], { stream: 'cam', fromMs: T0, toMs: T0 + 60_000, truncated: true });
    expect(empty).toMatchObject({ ranges: [], gaps: [{ start: T0, end: T0 + 60_000 }], fragments: 0, newestEnd: null, truncated: true });
  });

  it('leaves out a gap at the window edge shorter than the threshold (the fragment being recorded now)', () => {
    const t = recordingTimeline(run(T0, 10), { stream: 'cam', fromMs: T0 - 500, toMs: T0 + 10_800 });
    expect(t.gaps).toEqual([]);
    expect(t.ranges).toEqual([{ start: T0, end: T0 + 10_000, fragments: 10 }]);
  });
});
