/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015), as in
 * @tributary/kinesis-producer: the n-th reconnect waits a uniformly random time in
 * [0, min(maxDelayMs, baseDelayMs · 2^(n−1))], so that many cameras cut off by the same outage do not all come
 * back in the same instant. The policy is data; the randomness is injected.
 */
export interface BackoffPolicyOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export class BackoffPolicy {
  constructor(
    readonly options: BackoffPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The upper bound of the delay before attempt `attempt` (1 for the first retry). */
  ceilingMs(attempt: number): number {
    const exponent = Math.min(Math.max(attempt - 1, 0), 30);
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** exponent);
  }

  delayMs(attempt: number): number {
    return Math.floor(this.random() * (this.ceilingMs(attempt) + 1));
  }
}
