/**
 * Time, injected (conventions.md §11): the rollups' idle close, the file sink's age rotation and the state
 * table's wait for ACTIVE read `now()` and schedule through `setTimeout`, so tests drive them with a manual clock
 * instead of waiting. The shapes match @tributary/kinesis-consumer's Clock and Timers, so one object can serve both.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending rotation or idle tick must never keep the process alive on its own.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on `timers` (at once for ms ≤ 0). */
export function sleep(timers: Timers, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    timers.setTimeout(resolve, ms);
  });
}
