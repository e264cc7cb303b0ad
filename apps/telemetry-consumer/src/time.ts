/**
 * Time, injected (conventions.md §11): the rollups' idle close, the file sink's age rotation and the state
 * table's wait for ACTIVE read `now()` and schedule through `setTimeout`, so tests drive them with a manual clock
 * instead of waiting. They are @tributary/runtime's, the ones the consumer library takes too.
 */
import type { Timers } from '@tributary/runtime';

// Unref'd: a pending rotation or idle tick must never keep the process alive on its own.
export { systemClock, unrefTimers as systemTimers, type Clock, type Timers } from '@tributary/runtime';

/** Resolves after `ms` on `timers` (at once for ms ≤ 0). */
export function sleep(timers: Timers, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    timers.setTimeout(resolve, ms);
  });
}
