import { discontinuityFlags } from './hls-discontinuity';

const run = (...spec: [number, number][]): { startMs: number; durationMs: number }[] => spec.map(([startMs, durationMs]) => ({ startMs, durationMs }));

describe('discontinuityFlags', () => {
  const contiguous = run([0, 1000], [1000, 1000], [2000, 1000]);

  it('ALWAYS marks every fragment, NEVER none', () => {
    expect(discontinuityFlags(contiguous, 'ALWAYS')).toEqual([true, true, true]);
    expect(discontinuityFlags(run([0, 1000], [9000, 1000]), 'NEVER')).toEqual([false, false]);
    expect(discontinuityFlags([], 'ALWAYS')).toEqual([]);
  });

  it('ON_DISCONTINUITY marks gaps and overlaps above 50 ms only', () => {
    expect(discontinuityFlags(contiguous, 'ON_DISCONTINUITY')).toEqual([false, false, false]);
    expect(
      discontinuityFlags(
        run(
          [0, 1000],
          [1050, 1000], // gap of exactly 50 ms: tolerated
          [2101, 1000], // gap of 51 ms
          [3050, 1000], // overlap of 51 ms
          [4000, 1000], // overlap of 50 ms: tolerated
          [5000, 1000],
        ),
        'ON_DISCONTINUITY',
      ),
    ).toEqual([false, false, true, true, false, false]);
  });

  it('takes another tolerance', () => {
    expect(discontinuityFlags(run([0, 1000], [1020, 1000]), 'ON_DISCONTINUITY', 10)).toEqual([false, true]);
  });
});
