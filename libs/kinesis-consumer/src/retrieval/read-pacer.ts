/**
 * When the next GetRecords of one shard may go out: pure decision logic, no timers (the polling source sleeps
 * for what `delayMs` answers). Four brakes, the strictest wins:
 *
 * 1. Calls: a token bucket of `maxCallsPerSecond` (capacity = one second's worth), the service's 5 GetRecords/s
 *    per shard (kds-reference.md §1.3). A backlog is read at that rate, back to back.
 * 2. Bytes: a bucket of `maxBytesPerSecond` that a response may overdraw (one call returns up to 10 MiB); no call
 *    goes out while it is in debt — the service's 2 MiB/s per shard, including its "a 10 MiB read throttles the
 *    shard for the next 5 s" (§1.4, §7).
 * 3. Idle: once caught up (MillisBehindLatest 0), the next call waits `idleTimeBetweenReadsMs` counted from the
 *    start of the previous call — so the polling interval, not interval + round trip + handler time, bounds a
 *    record's wait. Behind (MillisBehindLatest > 0), only the buckets apply.
 * 4. Backoff after throttling or a failure: exponential with jitter in [ceiling/2, ceiling] ("equal jitter", so a
 *    throttled reader never comes straight back), reset by the next successful call.
 *
 * The service's buckets are shared by every polling consumer of the shard; ours only keep this reader within
 * them. When other readers take part of the budget the service throttles, and the call rate adapts (AIMD, as
 * TCP and the producer's limiter do): halved on every throttling answer (not below `minCallsPerSecond`), raised
 * by `callRateIncreasePerSuccess` per successful call back up to `maxCallsPerSecond`. Without it a reader that
 * keeps the full 5 calls/s takes every token the service refills and the other's backoff grows until it starves
 * (seen in the "shares a shard" integration test: 4 s → 12 s).
 */
import { equalJitterDelayMs } from '@tributary/runtime';
export interface ReadPacerOptions {
  maxCallsPerSecond: number;
  maxBytesPerSecond: number;
  idleTimeBetweenReadsMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Floor of the adaptive call rate (default 0.5/s). */
  minCallsPerSecond?: number;
  /** Additive increase of the call rate per successful call (default 0.1/s: slow, for fair sharing). */
  callRateIncreasePerSuccess?: number;
}

export interface ReadOutcome {
  /** Record count of the response. */
  records: number;
  /** Data + partition key bytes of the response (what the service counts against 2 MiB/s). */
  bytes: number;
  millisBehindLatest: number | undefined;
}

export class ReadPacer {
  private callRate: number;
  private callTokens: number;
  private byteTokens: number;
  private refilledAt: number;
  private lastCallAt = Number.NEGATIVE_INFINITY;
  private caughtUp = false;
  private backoffUntil = Number.NEGATIVE_INFINITY;
  private failures = 0;

  constructor(
    private readonly options: ReadPacerOptions,
    now: number,
    private readonly random: () => number = Math.random,
  ) {
    this.callRate = options.maxCallsPerSecond;
    this.callTokens = options.maxCallsPerSecond;
    this.byteTokens = options.maxBytesPerSecond;
    this.refilledAt = now;
  }

  /** Milliseconds to wait before the next call (0: call now). */
  delayMs(now: number): number {
    this.refill(now);
    const o = this.options;
    let wait = 0;
    if (this.callTokens < 1) wait = ((1 - this.callTokens) * 1000) / this.callRate;
    // The service refuses a read while the byte bucket is empty or overdrawn: wait until it holds a byte.
    if (this.byteTokens < 1) wait = Math.max(wait, ((1 - this.byteTokens) * 1000) / o.maxBytesPerSecond);
    if (this.caughtUp) wait = Math.max(wait, this.lastCallAt + o.idleTimeBetweenReadsMs - now);
    wait = Math.max(wait, this.backoffUntil - now);
    return Math.max(0, Math.ceil(wait));
  }

  /** A call goes out now. */
  onCall(now: number): void {
    this.refill(now);
    this.callTokens -= 1;
    this.lastCallAt = now;
  }

  /** The call answered. */
  onResult(now: number, outcome: ReadOutcome): void {
    this.refill(now);
    this.byteTokens -= outcome.bytes;
    // Caught up: the service says there is nothing newer (or, without the figure, the page was empty).
    this.caughtUp = outcome.millisBehindLatest === undefined ? outcome.records === 0 : outcome.millisBehindLatest === 0;
    this.failures = 0;
    this.backoffUntil = Number.NEGATIVE_INFINITY;
    this.callRate = Math.min(this.options.maxCallsPerSecond, this.callRate + (this.options.callRateIncreasePerSuccess ?? 0.1));
  }

  /** The call was throttled, or failed: back off. Returns the delay chosen. */
  onFailure(now: number, throttled: boolean): number {
    this.refill(now);
    this.failures++;
    if (throttled) {
      // A throttled shard's bucket is empty on the service side: ours should be too, and refill slower.
      this.callTokens = Math.min(this.callTokens, 0);
      this.callRate = Math.max(this.options.minCallsPerSecond ?? 0.5, this.callRate / 2);
    }
    const delay = equalJitterDelayMs(this.failures, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs, this.random);
    this.backoffUntil = now + delay;
    return delay;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The current adaptive call rate (calls per second). */
  get callsPerSecond(): number {
    return this.callRate;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = Math.max(this.refilledAt, now);
    const o = this.options;
    // Capacity: one second's worth at the current rate (at least one call).
    this.callTokens = Math.min(Math.max(1, this.callRate), this.callTokens + (elapsed * this.callRate) / 1000);
    this.byteTokens = Math.min(o.maxBytesPerSecond, this.byteTokens + (elapsed * o.maxBytesPerSecond) / 1000);
  }
}

