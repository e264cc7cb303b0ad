/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015): the n-th
 * retry waits a uniformly random time in [0, min(maxDelayMs, baseDelayMs · 2^(n−1))]. Full jitter spreads the
 * retries of many producers (or of many records after one failed call) instead of synchronising them, which
 * is what the KPL lacks (it retries without backoff: amazon-kinesis-producer#35, #122). The policy is data; the
 * randomness is injected.
 */
export interface BackoffPolicyOptions {
  /** Cap of the first retry's delay. */
  baseDelayMs: number;
  /** Cap of any retry's delay. */
  maxDelayMs: number;
}

export class BackoffPolicy {
  constructor(
    readonly options: BackoffPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The upper bound of the delay before retry number `attempt` (1 for the first retry). */
  ceilingMs(attempt: number): number {
    const exponent = Math.min(Math.max(attempt - 1, 0), 30);
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** exponent);
  }

  /** A delay for retry number `attempt`: uniform in [0, ceilingMs(attempt)]. */
  delayMs(attempt: number): number {
    return Math.floor(this.random() * (this.ceilingMs(attempt) + 1));
  }
}
