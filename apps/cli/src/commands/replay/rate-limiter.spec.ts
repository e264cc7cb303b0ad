import { RateLimiter, type RateClock } from './rate-limiter';

/** A clock that only moves when the limiter sleeps (an infinitely fast source). */
function fakeClock(): RateClock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('RateLimiter', () => {
  it('lets N records per second through a fast source: 100 records at 20/s take 4.95 s', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(20, clock);
    for (let i = 0; i < 100; i++) await limiter.acquire();
    expect(clock.t).toBeCloseTo(99 * 50, 6);
  });

  it('never lets more than N + 1 records through in any one-second window', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(50, clock);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      await limiter.acquire();
      times.push(clock.t);
    }
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= times[i] && t < times[i] + 1000).length).toBeLessThanOrEqual(51);
  });

  it('at high rates sleeps in steps of at least minSleepMs, not per record', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10_000, clock, 10);
    for (let i = 0; i < 10_000; i++) await limiter.acquire();
    expect(clock.t).toBeGreaterThan(989);
    expect(clock.t).toBeLessThan(1000);
    expect(clock.sleeps.every((ms) => ms >= 10)).toBe(true);
    expect(clock.sleeps.length).toBeLessThan(110);
  });

  it('does not save up the time a slow source left unused', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    await limiter.acquire();
    clock.t += 10_000;
    const before = clock.t;
    for (let i = 0; i < 11; i++) await limiter.acquire();
    expect(clock.t - before).toBeCloseTo(1000, 6);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %s', (rate) => {
    expect(() => new RateLimiter(rate, fakeClock())).toThrow(RangeError);
  });
});
