/**
 * A clock and timers that move only when a test says so, for the producer's `clock` and `timers` options:
 * linger, backoff, limiter refills and TTL expiry are then exercised without waiting.
 */
import type { Clock, Timers } from '../producer-options';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeTimers implements Clock, Timers {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Lets promise callbacks and microtasks run (the fake client answers asynchronously). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, firing due timers in order and letting async work settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await this.settle();
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      if (next.at > this.current) this.current = next.at;
      next.callback();
      await this.settle();
    }
    this.current = target;
    await this.settle();
  }

  /** Advances in steps until `condition()` holds (or throws after `maxMs`). */
  async advanceUntil(condition: () => boolean, stepMs = 10, maxMs = 600_000): Promise<void> {
    for (let waited = 0; !condition(); waited += stepMs) {
      if (waited > maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
      await this.advance(stepMs);
    }
  }
}
