import { RateMeter } from './rate-meter';

describe('RateMeter', () => {
  it('averages a steady rate over its window and forgets what is older', () => {
    const m = new RateMeter(10_000);
    for (let t = 0; t < 30_000; t += 100) m.add(100, t); // 1000 B/s
    expect(m.bytesPerSecond(30_000)).toBeCloseTo(1000, -1);
    expect(m.bytesPerSecond(45_000)).toBe(0);
  });

  it('shows an upload that just started at its rate, not a fraction of the window', () => {
    const m = new RateMeter(10_000);
    for (let t = 50_000; t < 52_000; t += 100) m.add(500, t); // 5000 B/s for 2 s
    expect(m.bytesPerSecond(52_000)).toBeCloseTo(5000, -2);
    // Then silence: the rate decays over the window (at 60 s only second 51's 5000 bytes are in it).
    expect(m.bytesPerSecond(60_000)).toBeGreaterThan(400);
    expect(m.bytesPerSecond(60_000)).toBeLessThan(700);
    expect(m.bytesPerSecond(61_500)).toBe(0);
  });
});
