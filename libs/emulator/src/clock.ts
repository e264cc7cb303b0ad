/** Time source, injected so that iterator expiry, retention and token buckets are testable without waiting. */
import type { Clock } from '@tributary/runtime';

export { systemClock, type Clock } from '@tributary/runtime';

/** A clock tests move by hand. */
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
