import { SourceClock } from './source-clock';

describe('SourceClock', () => {
  it('after a burst, takes the origin from the frames that came in real time, so no frame is dated after it arrived', () => {
    const clock = new SourceClock(1000);
    // ffmpeg hands over 2 s of frames at once at t = 10,000, then frames come as they are captured.
    const arrivals: Array<[source: number, now: number]> = [];
    for (let s = 0; s <= 2000; s += 40) arrivals.push([s, 10_000]);
    for (let s = 2040; s <= 4000; s += 40) arrivals.push([s, 10_000 + (s - 2000) + 3]);
    let fixedAt: number | undefined;
    for (const [source, now] of arrivals) {
      clock.observe(source, now);
      if (fixedAt === undefined && clock.ready(now)) fixedAt = now;
    }
    expect(fixedAt).toBe(11_003);
    // Source 2000 arrived at 10,000: captured then or earlier. Anchored on the first frame, it would be dated 12,000.
    expect(clock.originMs).toBe(8_000);
    for (const [source, now] of arrivals) expect(clock.originMs + source).toBeLessThanOrEqual(now);
  });

  it('a source in real time from the start keeps the first frame as its anchor', () => {
    const clock = new SourceClock(500);
    clock.observe(0, 5_000);
    expect(clock.ready(5_000)).toBe(false);
    clock.observe(480, 5_482);
    clock.observe(520, 5_521);
    expect(clock.ready(5_521)).toBe(true);
    expect(clock.originMs).toBe(5_000);
  });

  it('has no origin before a frame', () => {
    expect(new SourceClock(0).originMs).toBeNaN();
    expect(new SourceClock(0).ready(1)).toBe(false);
  });
});
