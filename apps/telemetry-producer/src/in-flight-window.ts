/**
 * A counting window over records handed to the producer and not yet answered by Kinesis. `producer.put()`
 * resolves only when Kinesis acknowledges the record, so a caller that fires puts without awaiting each one needs
 * a bound of its own: without it, promises and records would pile up in memory whenever Kinesis slows down.
 *
 * The simulator waits for room (`acquire`); the ingest API refuses a request that does not fit (`tryAcquire`,
 * answered with 503) rather than holding a client's connection open for an unbounded time.
 */
import { abortError } from './clock';

export class InFlightWindow {
  private used = 0;
  private readonly waiters: { n: number; resolve: () => void; reject: (err: Error) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private drainWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.used;
  }

  /** Takes `n` slots if they are free now (and nobody queued before), without waiting. */
  tryAcquire(n = 1): boolean {
    if (this.waiters.length > 0 || this.used + n > this.capacity) return false;
    this.used += n;
    return true;
  }

  /** Takes `n` slots, waiting in arrival order until they are free; rejects with an AbortError on `signal`. */
  acquire(n = 1, signal?: AbortSignal): Promise<void> {
    if (n > this.capacity) return Promise.reject(new RangeError(`cannot take ${n} slots of a window of ${this.capacity}`));
    if (this.tryAcquire(n)) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { n, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(abortError());
          this.grant();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  release(n = 1): void {
    this.used = Math.max(0, this.used - n);
    this.grant();
    if (this.used === 0 && this.drainWaiters.length > 0) {
      const waiting = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiting) resolve();
    }
  }

  /** Resolves once every slot is free. */
  drained(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private grant(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0].n <= this.capacity) {
      const next = this.waiters.shift() as (typeof this.waiters)[number];
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      this.used += next.n;
      next.resolve();
    }
  }
}
