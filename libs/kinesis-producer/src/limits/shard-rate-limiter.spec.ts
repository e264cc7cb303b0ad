import { ShardRateLimiter } from './shard-rate-limiter';

class Clock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
}

const limiter = (clock: Clock, extra: Partial<ConstructorParameters<typeof ShardRateLimiter>[0]> = {}): ShardRateLimiter =>
  new ShardRateLimiter({ recordsPerSecond: 1000, bytesPerSecond: 1024 * 1024, clock, ...extra });

describe('ShardRateLimiter', () => {
  it('starts with one second of burst and refills at the configured rate', () => {
    const clock = new Clock();
    const l = limiter(clock);
    let taken = 0;
    while (l.tryTake(10)) taken++;
    expect(taken).toBe(1000);
    expect(l.msUntil(10)).toBe(1);
    clock.t += 100;
    taken = 0;
    while (l.tryTake(10)) taken++;
    expect(taken).toBe(100);
  });

  it('pays for bytes too: a 1 MiB/s bucket lets ~10 records of 100 KiB through per second', () => {
    const clock = new Clock();
    const l = limiter(clock);
    let taken = 0;
    while (l.tryTake(100 * 1024)) taken++;
    expect(taken).toBe(10);
    // 1,048,576 − 10 × 102,400 = 24,576 bytes left; 77,824 missing at 1,048,576 B/s = 74.2 ms.
    expect(l.msUntil(100 * 1024)).toBe(75);
  });

  it('lets a record larger than the bucket through once the bucket is full (no record waits forever)', () => {
    const clock = new Clock();
    const l = limiter(clock, { bytesPerSecond: 1000 });
    expect(l.tryTake(5000)).toBe(true);
    expect(l.tryTake(1)).toBe(false);
    expect(l.msUntil(5000)).toBe(5000); // the bucket is 4,000 in debt and refills to its 1,000 cap
  });

  it('cuts the rate on a throttle (multiplicative decrease), once per episode, and recovers additively', () => {
    const clock = new Clock(10_000);
    const l = limiter(clock, { decreaseFactor: 0.5, recoveryPerSecond: 0.1, minRateFactor: 0.1 });
    expect(l.onThrottle(9_990)).toBe(true);
    expect(l.rateFactor()).toBe(0.5);
    // Answers to requests sent before the cut do not cut again.
    expect(l.onThrottle(9_995)).toBe(false);
    expect(l.rateFactor()).toBe(0.5);
    // The buckets are emptied: the shard said its budget is spent.
    expect(l.tryTake(1)).toBe(false);
    expect(l.msUntil(1)).toBe(2); // 1 record at 500 records/s
    clock.t += 1_000;
    expect(l.rateFactor()).toBeCloseTo(0.6, 10);
    expect(l.onThrottle(clock.t)).toBe(true);
    expect(l.rateFactor()).toBeCloseTo(0.3, 10);
    clock.t += 100_000;
    expect(l.rateFactor()).toBe(1);
    expect(l.throttles).toBe(3);
  });

  it('never goes below minRateFactor', () => {
    const clock = new Clock();
    const l = limiter(clock, { decreaseFactor: 0.1, minRateFactor: 0.05 });
    for (let i = 0; i < 10; i++) {
      clock.t += 1;
      l.onThrottle(clock.t);
    }
    expect(l.rateFactor()).toBeCloseTo(0.05, 2);
  });

  it('refund gives back a take', () => {
    const l = limiter(new Clock(), { recordsPerSecond: 1 });
    expect(l.tryTake(1)).toBe(true);
    expect(l.tryTake(1)).toBe(false);
    l.refund(1);
    expect(l.tryTake(1)).toBe(true);
  });
});
