/**
 * A clock and timers that move only when a test says so: backoff, rotation, staleness and ack latency of a
 * PutMedia session are then exercised without waiting.
 */
import type { Clock, Timers } from '../kvs-types';

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

  /** Lets promise callbacks run (signing and credential lookups are asynchronous). */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
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
}
