/**
 * A promise that settles when an AbortSignal aborts, for racing a call against close() (the fan-out source's
 * subscription). Sleeping on the injected timers, cut short by a signal, is @tributary/runtime's `sleep`.
 */
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
