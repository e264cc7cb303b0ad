/** A clock tests move by hand, for code that only reads `now()` (FakeTimers also fires timers). */
import type { Clock } from '../time/clock';

export class ManualClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
