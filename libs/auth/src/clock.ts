/** Time source, injected so that token expiry is tested with a fixed clock instead of waiting (conventions.md §11). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
