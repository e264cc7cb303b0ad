/**
 * A clock and timers that move only when a test says so: pass it as `clock` and `timers`, then `advance(ms)`
 * fires due timers in order and lets promise callbacks run after each (`settleRounds` turns of the event loop:
 * fake clients and stores answer asynchronously).
 */
import type { Clock, Timers } from '../time/clock';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeTimers implements Clock, Timers {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(
    private current = 1_700_000_000_000,
    private readonly settleRounds = 10,
  ) {}

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

  /** Lets promise callbacks run. */
  async settle(): Promise<void> {
    for (let i = 0; i < this.settleRounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, firing due timers in order and letting async work settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await this.settle();
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      const due = next;
      this.timers = this.timers.filter((t) => t !== due);
      if (due.at > this.current) this.current = due.at;
      due.callback();
      await this.settle();
    }
    this.current = target;
    await this.settle();
  }

  /** Sets the time without firing timers (for code that only reads `now()`). */
  set(ms: number): void {
    this.current = ms;
  }

  /** Advances in steps until `condition()` holds (or throws after `maxMs`). */
  async advanceUntil(condition: () => boolean, stepMs = 10, maxMs = 600_000): Promise<void> {
    for (let waited = 0; !condition(); waited += stepMs) {
      if (waited > maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
      await this.advance(stepMs);
    }
  }
}
