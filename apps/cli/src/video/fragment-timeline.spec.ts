import { buildTimeline, compareFragmentNumbers, fragmentInfoOf, summarizeTimeline, type FragmentInfo } from './fragment-timeline';

const t0 = Date.parse('2026-12-07T06:00:00Z');
const frag = (n: number, producerMs: number, durationMs = 1000, sizeBytes = 100): FragmentInfo => ({
  fragmentNumber: `9134385233318150666908441974200077706515712753${String(n).padStart(2, '0')}`,
  producerMs,
  serverMs: producerMs + 300,
  durationMs,
  sizeBytes,
});

describe('buildTimeline', () => {
  it('orders by producer time and marks no gap between adjacent fragments (jitter within tolerance)', () => {
    const out = buildTimeline([frag(2, t0 + 1000), frag(1, t0), frag(3, t0 + 2400)]);
    expect(out.map((f) => f.producerMs - t0)).toEqual([0, 1000, 2400]);
    expect(out.map((f) => f.gapBeforeMs)).toEqual([undefined, undefined, undefined]);
  });

  it('marks the uncovered time before a fragment that starts late', () => {
    const out = buildTimeline([frag(1, t0), frag(2, t0 + 1000), frag(3, t0 + 7000), frag(4, t0 + 8000)]);
    expect(out.map((f) => f.gapBeforeMs)).toEqual([undefined, undefined, 5000, undefined]);
    expect(summarizeTimeline(out)).toEqual({ fragments: 4, bytes: 400, durationMs: 4000, gaps: 1, gapMs: 5000 });
  });

  it('takes the tolerance given', () => {
    const fragments = [frag(1, t0), frag(2, t0 + 1300)];
    expect(buildTimeline(fragments)[1].gapBeforeMs).toBeUndefined();
    expect(buildTimeline(fragments, 200)[1].gapBeforeMs).toBe(300);
  });

  it('breaks producer-time ties by fragment number, numerically', () => {
    const a = { ...frag(1, t0), fragmentNumber: '99' };
    const b = { ...frag(1, t0), fragmentNumber: '100' };
    expect(buildTimeline([b, a]).map((f) => f.fragmentNumber)).toEqual(['99', '100']);
  });
});

describe('compareFragmentNumbers', () => {
  it('compares decimal strings beyond 2^53 exactly', () => {
    expect(compareFragmentNumbers('91343852333181506669084419742000777065157127533', '91343852333181506669084419742000777065157127534')).toBeLessThan(0);
    expect(compareFragmentNumbers('9', '10')).toBeLessThan(0);
    expect(compareFragmentNumbers('10', '10')).toBe(0);
  });
});

describe('fragmentInfoOf', () => {
  it('maps the SDK fragment to numbers', () => {
    expect(
      fragmentInfoOf({ FragmentNumber: '1', ProducerTimestamp: new Date(t0), ServerTimestamp: new Date(t0 + 5), FragmentLengthInMilliseconds: 1001, FragmentSizeInBytes: 77 }),
    ).toEqual({ fragmentNumber: '1', producerMs: t0, serverMs: t0 + 5, durationMs: 1001, sizeBytes: 77 });
  });
});
