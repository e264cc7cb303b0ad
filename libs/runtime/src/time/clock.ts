/**
 * Time, injected (conventions.md §11): every transport and worker reads `now()` and schedules through `Timers`,
 * so that linger, backoff, lease expiry, rotation and the like are tested on FakeTimers instead of by waiting.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers: a pending timer keeps the process alive (a producer's linger must not be cut short by exit). */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Node's timers, unref'd: for backoff, rotation and idle ticks that alone must not keep a process alive. */
export const unrefTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
