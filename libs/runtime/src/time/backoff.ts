/**
 * Exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015). Retry n has the ceiling
 * c = min(maxMs, baseMs · 2^(n−1)):
 * - full jitter waits uniform in [0, c]: it spreads many clients (records of one failed call, cameras cut off by
 *   one outage) instead of synchronising them — what the KPL lacks (amazon-kinesis-producer#35, #122);
 * - equal jitter waits uniform in [c/2, c]: for a reader polling a throttled shard, where full jitter may pick ~0
 *   and be throttled again at once.
 * Pure: the randomness is injected.
 */

/** The upper bound of the delay before retry number `attempt` (1 for the first retry). */
export function backoffCeilingMs(attempt: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/** Uniform in [0, ceiling], whole milliseconds. `random` is uniform in [0, 1). */
export function fullJitterDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * (backoffCeilingMs(attempt, baseMs, maxMs) + 1));
}

/** Uniform in [ceiling/2, ceiling], rounded. */
export function equalJitterDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, baseMs, maxMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface BackoffPolicyOptions {
  /** Cap of the first retry's delay. */
  baseDelayMs: number;
  /** Cap of any retry's delay. */
  maxDelayMs: number;
}

/** Full-jitter backoff as an object holding its settings and its source of randomness. */
export class BackoffPolicy {
  constructor(
    readonly options: BackoffPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The upper bound of the delay before retry number `attempt` (1 for the first retry). */
  ceilingMs(attempt: number): number {
    return backoffCeilingMs(attempt, this.options.baseDelayMs, this.options.maxDelayMs);
  }

  /** A delay for retry number `attempt`: uniform in [0, ceilingMs(attempt)]. */
  delayMs(attempt: number): number {
    return fullJitterDelayMs(attempt, this.options.baseDelayMs, this.options.maxDelayMs, this.random);
  }
}
