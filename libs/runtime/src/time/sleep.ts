/**
 * The one sleep of the project, on injected timers (conventions.md §11) so that tests drive it with FakeTimers
 * instead of waiting. Code that has no timers seam (a test waiting for a real process) uses node:timers/promises'
 * `setTimeout(ms)` directly rather than a local `new Promise(… setTimeout …)`.
 */
import type { Timers } from './clock';

/**
 * Resolves after `ms` on `timers`; at once for `ms <= 0`, and at once when `signal` aborts (it never rejects: a
 * caller cut short checks its own state, so close() never waits a delay out).
 */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      resolve();
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
