import { BackoffPolicy, backoffCeilingMs, equalJitterDelayMs, fullJitterDelayMs } from './backoff';

describe('BackoffPolicy (exponential, full jitter)', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const p = new BackoffPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 50].map((a) => p.ceilingMs(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws uniformly in [0, ceiling]', () => {
    expect(new BackoffPolicy({ baseDelayMs: 100, maxDelayMs: 1000 }, () => 0).delayMs(3)).toBe(0);
    expect(new BackoffPolicy({ baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999999).delayMs(3)).toBe(400);
    expect(new BackoffPolicy({ baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.5).delayMs(2)).toBe(100);
  });
});

describe('fullJitterDelayMs and equalJitterDelayMs', () => {
  it('full jitter draws in [0, ceiling], equal jitter in [ceiling/2, ceiling]', () => {
    expect(backoffCeilingMs(3, 100, 1000)).toBe(400);
    expect([0, 0.999999].map((r) => fullJitterDelayMs(3, 100, 1000, () => r))).toEqual([0, 400]);
    expect([0, 0.5, 0.999999].map((r) => equalJitterDelayMs(3, 100, 1000, () => r))).toEqual([200, 300, 400]);
  });
});
