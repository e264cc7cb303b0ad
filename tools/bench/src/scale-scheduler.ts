/**
 * Virtual time for the scale simulation: a discrete-event scheduler that is the Clock and Timers of every simulated
 * worker. Timers sit in a binary heap; `runUntil(t)` fires them in (time, creation) order, and after each instant's
 * timers lets every promise callback they started run (one macrotask turn drains the microtask queue: the lease code
 * waits only on promises and on these timers), so an hour of a fleet's life runs in seconds.
 *
 * Each worker gets a `view()`: its own timers on the shared clock, which `kill()` cancels and silences for good
 * (a SIGKILL: the process does nothing more, not even the callbacks of timers it had set).
 */
import type { Clock, Timers } from '@tributary/kinesis-consumer';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
  cancelled: boolean;
}

export class VirtualScheduler implements Clock, Timers {
  private heap: Timer[] = [];
  private readonly live = new Map<number, Timer>();
  private nextId = 1;
  private current: number;
  /** Timers fired so far (the simulation's work, for the report). */
  fired = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: Timer = { id: this.nextId++, at: this.current + Math.max(0, Number.isFinite(ms) ? ms : 0), callback, cancelled: false };
    this.push(timer);
    this.live.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    const timer = this.live.get(handle as number);
    if (timer) {
      timer.cancelled = true;
      this.live.delete(timer.id);
    }
  }

  /** Resolves after `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  get pending(): number {
    return this.live.size;
  }

  /** Fires every timer due up to `until` (virtual ms), then sets the clock to `until`. */
  async runUntil(until: number, stop?: () => boolean): Promise<void> {
    await turn();
    while (this.heap.length > 0 && this.heap[0].at <= until) {
      const at = this.heap[0].at;
      if (at > this.current) this.current = at;
      while (this.heap.length > 0 && this.heap[0].at === at) {
        const timer = this.pop() as Timer;
        if (timer.cancelled) continue;
        this.live.delete(timer.id);
        this.fired++;
        timer.callback();
      }
      await turn();
      if (stop?.()) return;
    }
    if (until > this.current) this.current = until;
    await turn();
  }

  /** Runs for `ms` more of virtual time. */
  run(ms: number, stop?: () => boolean): Promise<void> {
    return this.runUntil(this.current + ms, stop);
  }

  /** A worker's own timers on this clock; `kill()` cancels them and ignores any set afterwards. */
  view(): Clock & Timers & { kill(): void; readonly killed: boolean } {
    const mine = new Set<unknown>();
    let killed = false;
    return {
      now: () => this.current,
      setTimeout: (callback: () => void, ms: number) => {
        if (killed) return 0;
        const id = this.setTimeout(() => {
          mine.delete(id);
          if (!killed) callback();
        }, ms);
        mine.add(id);
        return id;
      },
      clearTimeout: (handle: unknown) => {
        mine.delete(handle);
        this.clearTimeout(handle);
      },
      kill: () => {
        killed = true;
        for (const id of mine) this.clearTimeout(id);
        mine.clear();
      },
      get killed() {
        return killed;
      },
    };
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** One macrotask turn: every microtask queued so far (and those they queue) runs first. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
