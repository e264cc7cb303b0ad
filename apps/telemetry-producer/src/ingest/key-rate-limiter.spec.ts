import { ManualClock } from '../testing/manual-clock';
import { KeyRateLimiter } from './key-rate-limiter';

describe('KeyRateLimiter', () => {
  it('admits a burst, then refills at the rate', async () => {
    const clock = new ManualClock();
    const limiter = new KeyRateLimiter({ ratePerSecond: 10, burst: 3, clock });
    expect([limiter.admit('a'), limiter.admit('a'), limiter.admit('a')]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(limiter.admit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another key has a bucket of its own.
    expect(limiter.admit('b')).toEqual({ allowed: true });
    await clock.advance(100);
    expect(limiter.admit('a')).toEqual({ allowed: true });
    expect(limiter.admit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('charges a batch after admission, leaving debt that delays the next request', async () => {
    const clock = new ManualClock();
    const limiter = new KeyRateLimiter({ ratePerSecond: 100, burst: 100, clock });
    expect(limiter.admit('k')).toEqual({ allowed: true });
    limiter.charge('k', 399); // a 400-record batch: 300 over the bucket
    expect(limiter.tokens('k')).toBe(-300);
    // One token is needed again: 301 tokens at 100/s → 4 s (rounded up).
    expect(limiter.admit('k')).toEqual({ allowed: false, retryAfterSeconds: 4 });
    await clock.advance(3_000);
    expect(limiter.admit('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    await clock.advance(1_000);
    expect(limiter.admit('k')).toEqual({ allowed: true });
  });

  it('never holds more than the burst', async () => {
    const clock = new ManualClock();
    const limiter = new KeyRateLimiter({ ratePerSecond: 1000, burst: 5, clock });
    limiter.admit('k');
    await clock.advance(60_000);
    expect(limiter.tokens('k')).toBe(5);
  });

  it('forgets idle buckets when it holds too many', async () => {
    const clock = new ManualClock();
    const limiter = new KeyRateLimiter({ ratePerSecond: 1, burst: 2, clock, sweepAbove: 3 });
    for (const k of ['a', 'b', 'c']) limiter.admit(k);
    await clock.advance(1_000);
    limiter.admit('a');
    limiter.admit('a'); // 'a' is empty again; 'b' and 'c' are full after a second
    limiter.admit('d'); // a 4th bucket: the sweep drops the full ones
    expect(limiter.admit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(2);
  });
});
