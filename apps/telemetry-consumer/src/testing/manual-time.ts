/**
 * A clock and timers that tests move by hand: `advance(ms)` fires every timer due within `ms`, in deadline order,
 * letting promise callbacks run between them so that code woken by one timer can schedule the next before time
 * moves on (the same contract as apps/telemetry-producer's ManualClock).
 */
import type { Clock, Timers } from '../time';

interface Pending {
  id: number;
  at: number;
  callback: () => void;
}

export const flushAsync = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ManualTime implements Clock, Timers {
  private timers: Pending[] = [];
  private nextId = 1;

  constructor(private current = Date.UTC(2025, 5, 1, 12, 0, 0)) {}

  now(): number {
    return this.current;
  }

  /** Timers waiting now. */
  get pending(): number {
    return this.timers.length;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: Pending = { id: this.nextId++, at: this.current + Math.max(0, ms), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward by `ms`, firing each timer at its deadline in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushAsync();
    for (;;) {
      const next = this.timers.reduce<Pending | undefined>((a, t) => (a === undefined || t.at < a.at || (t.at === a.at && t.id < a.id) ? t : a), undefined);
      if (!next || next.at > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.callback();
      await flushAsync();
    }
    this.current = target;
    await flushAsync();
  }

  /** Sets the time without firing timers (for pure code that only reads `now()`). */
  set(ms: number): void {
    this.current = ms;
  }
}
