import { ManualClock } from '../clock';
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
});
