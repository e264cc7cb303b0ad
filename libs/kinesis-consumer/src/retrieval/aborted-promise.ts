/**
 * Sleeping on the injected timers, cut short by an AbortSignal: the record sources wait (pacing, backoff,
 * subscribe spacing) through this so that tests drive time with a fake clock and close() never waits a delay out.
 */
import type { Timers } from '../consumer-types';

/** Resolves after `ms`, or at once when `signal` aborts (it never rejects: callers check their own state). */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      resolve();
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A promise that resolves when `signal` aborts (never, without one), and a function to stop listening. */
export function abortedPromise(signal: AbortSignal | undefined): { promise: Promise<void>; dispose(): void } {
  if (!signal) return { promise: new Promise<void>(() => undefined), dispose: () => undefined };
  let onAbort: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
