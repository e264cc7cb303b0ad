import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('starts full, then lets bytes through at the rate (fake clock)', () => {
    const b = new TokenBucket({ rateBytesPerSec: 1000, burstBytes: 500, nowMs: 0 });
    expect(b.delayFor(500, 0)).toBe(0);
    b.charge(500, 0);
    expect(b.delayFor(100, 0)).toBe(100);
    expect(b.delayFor(100, 60)).toBe(40);
    expect(b.delayFor(100, 100)).toBe(0);
    // Never more than the burst accrues.
    expect(b.available(60_000)).toBe(500);
  });

  it('sends N fragments over a long run at the cap, whatever the fragment size against the burst', () => {
    for (const size of [100, 1000, 5000]) {
      const b = new TokenBucket({ rateBytesPerSec: 2000, burstBytes: 1000, nowMs: 0 });
      let now = 0;
      let sent = 0;
      while (sent < 200_000) {
        now += b.delayFor(size, now);
        b.charge(size, now);
        sent += size;
      }
      // 200 kB at 2 kB/s is 100 s, less what the first burst carried (± one fragment's worth).
      expect(now / 1000).toBeGreaterThan((200_000 - 1000 - size) / 2000 - 0.01);
      expect(now / 1000).toBeLessThan((200_000 - 1000 + size) / 2000 + 0.01);
    }
  });

  it('live video charged without asking overdraws the bucket, and the backlog waits the debt out', () => {
    const b = new TokenBucket({ rateBytesPerSec: 1000, nowMs: 0 });
    b.charge(3000, 0);
    expect(b.available(0)).toBe(-2000);
    expect(b.delayFor(100, 0)).toBe(2100);
    expect(b.delayFor(100, 2100)).toBe(0);
  });

  it('ignores a clock stepping back and converts Mbit/s', () => {
    const b = new TokenBucket({ rateBytesPerSec: 1000, nowMs: 10_000 });
    b.charge(1000, 10_000);
    expect(b.available(5_000)).toBe(0);
    expect(b.available(10_500)).toBe(500);
    expect(TokenBucket.bytesPerSecFromMbps(8)).toBe(1_000_000);
    expect(() => new TokenBucket({ rateBytesPerSec: 0, nowMs: 0 })).toThrow(RangeError);
  });
});
