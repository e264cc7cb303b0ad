import { ManualClock } from '../testing/manual-clock';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('refuses past capacity and refills with time', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(1000, 1000, clock);
    expect(b.tryTake(1000)).toBe(true);
    expect(b.tryTake(1)).toBe(false);
    expect(b.msUntil(500)).toBe(500);
    clock.advance(500);
    expect(b.tryTake(500)).toBe(true);
    expect(b.tryTake(1)).toBe(false);
  });

  it('never holds more than its capacity', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(5, 5, clock);
    clock.advance(60_000);
    expect(b.available()).toBe(5);
  });

  it('lets reads go into debt that blocks until repaid', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(2, 2, clock);
    b.takeDebt(10);
    expect(b.available()).toBe(-8);
    clock.advance(4000);
    expect(b.available()).toBe(0);
    clock.advance(500);
    expect(b.available()).toBe(1);
  });

  // The video producer's upload cap (bytes): live video is charged without asking, the backlog waits.
  it('starts full, then lets bytes through at the rate (fake clock)', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(500, 1000, clock);
    expect(b.msUntil(500)).toBe(0);
    b.takeDebt(500);
    expect(b.msUntil(100)).toBe(100);
    clock.set(60);
    expect(b.msUntil(100)).toBe(40);
    clock.set(100);
    expect(b.msUntil(100)).toBe(0);
    // Never more than the burst accrues.
    clock.set(60_000);
    expect(b.available()).toBe(500);
  });

  it('sends N fragments over a long run at the cap, whatever the fragment size against the burst', () => {
    for (const size of [100, 1000, 5000]) {
      const clock = new ManualClock(0);
      const b = new TokenBucket(1000, 2000, clock);
      let sent = 0;
      while (sent < 200_000) {
        clock.advance(b.msUntil(size));
        b.takeDebt(size);
        sent += size;
      }
      // 200 kB at 2 kB/s is 100 s, less what the first burst carried (± one fragment's worth).
      expect(clock.now() / 1000).toBeGreaterThan((200_000 - 1000 - size) / 2000 - 0.01);
      expect(clock.now() / 1000).toBeLessThan((200_000 - 1000 + size) / 2000 + 0.01);
    }
  });

  it('live video charged without asking overdraws the bucket, and the backlog waits the debt out', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(1000, 1000, clock);
    b.takeDebt(3000);
    expect(b.available()).toBe(-2000);
    expect(b.msUntil(100)).toBe(2100);
    clock.set(2100);
    expect(b.msUntil(100)).toBe(0);
  });

  it('ignores a clock stepping back and refuses a rate or capacity that is not positive', () => {
    const clock = new ManualClock(10_000);
    const b = new TokenBucket(1000, 1000, clock);
    b.takeDebt(1000);
    clock.set(5_000);
    expect(b.available()).toBe(0);
    clock.set(10_500);
    expect(b.available()).toBe(500);
    expect(() => new TokenBucket(1000, 0, clock)).toThrow(RangeError);
    expect(() => new TokenBucket(0, 1000, clock)).toThrow(RangeError);
  });
});
