/**
 * Per-shard pacing: two token buckets (Kinesis records and bytes) refilled at a fraction of the shard's write
 * limits (1,000 records/s and 1 MiB/s, partition-key bytes included: kds-reference.md §1.4), released only when
 * both can pay (the KPL's limiter, §3.5), plus the adaptation the KPL leaves as a TODO: AIMD on throttling.
 *
 * - Multiplicative decrease: a ProvisionedThroughputExceededException for this shard multiplies the rate by
 *   `decreaseFactor` (default 0.7) and empties the buckets (the shard just said its budget is spent). Throttles
 *   answered to requests sent before the last cut are not counted again: one overload episode, one cut.
 * - Additive increase: the rate recovers by `recoveryPerSecond` of the configured rate per second without a
 *   throttle (default 5 %/s: from 0.7 back to 1.0 in 6 s), up to the configured rate.
 *
 * Nothing polls: `msUntil` tells the caller when to come back, so a throttled shard costs a timer, not a spin
 * (the KPL's 100 % CPU under throttling, amazon-kinesis-producer#122). Other producers writing to the same shard
 * are why the configured rate alone is not enough and why the adaptation exists.
 */
export interface ShardRateLimiterOptions {
  recordsPerSecond: number;
  bytesPerSecond: number;
  /** Bucket sizes in seconds of the configured rate. Default 1 (what Kinesis itself allows to burst). */
  burstSeconds?: number;
  decreaseFactor?: number;
  minRateFactor?: number;
  recoveryPerSecond?: number;
  clock: { now(): number };
}

export class ShardRateLimiter {
  private readonly recordsPerSecond: number;
  private readonly bytesPerSecond: number;
  private readonly recordCapacity: number;
  private readonly byteCapacity: number;
  private readonly decreaseFactor: number;
  private readonly minRateFactor: number;
  private readonly recoveryPerSecond: number;
  private readonly clock: { now(): number };
  private records: number;
  private bytes: number;
  private last: number;
  private factorAtCut = 1;
  private lastCutAt = -Infinity;
  throttles = 0;

  constructor(options: ShardRateLimiterOptions) {
    this.recordsPerSecond = options.recordsPerSecond;
    this.bytesPerSecond = options.bytesPerSecond;
    const burst = options.burstSeconds ?? 1;
    this.recordCapacity = Math.max(1, options.recordsPerSecond * burst);
    this.byteCapacity = options.bytesPerSecond * burst;
    this.decreaseFactor = options.decreaseFactor ?? 0.7;
    this.minRateFactor = options.minRateFactor ?? 0.05;
    this.recoveryPerSecond = options.recoveryPerSecond ?? 0.05;
    this.clock = options.clock;
    this.records = this.recordCapacity;
    this.bytes = this.byteCapacity;
    this.last = this.clock.now();
  }

  /** The current fraction of the configured rate (1 = configured; lower after throttling). */
  rateFactor(now = this.clock.now()): number {
    if (this.factorAtCut >= 1) return 1;
    const recovered = this.factorAtCut + (this.recoveryPerSecond * Math.max(0, now - this.lastCutAt)) / 1000;
    if (recovered >= 1) {
      this.factorAtCut = 1;
      return 1;
    }
    return recovered;
  }

  /**
   * Takes one record and `bytes` bytes if both buckets hold them. A record larger than the byte bucket's
   * capacity passes once the bucket is full, so that no record waits forever.
   */
  tryTake(bytes: number): boolean {
    this.refill();
    if (this.records < 1 || (this.bytes < bytes && this.bytes < this.byteCapacity)) return false;
    this.records -= 1;
    this.bytes -= bytes;
    return true;
  }

  /** Milliseconds until tryTake(bytes) can succeed at the current rate (0 when it can now). */
  msUntil(bytes: number): number {
    this.refill();
    const factor = this.rateFactor();
    const needRecords = Math.max(0, 1 - this.records);
    const needBytes = Math.max(0, Math.min(bytes, this.byteCapacity) - this.bytes);
    const ms = Math.max((needRecords * 1000) / (this.recordsPerSecond * factor), (needBytes * 1000) / (this.bytesPerSecond * factor));
    return ms <= 0 ? 0 : Math.ceil(ms);
  }

  /** Gives back what tryTake took for a record that was not sent after all. */
  refund(bytes: number): void {
    this.records = Math.min(this.recordCapacity, this.records + 1);
    this.bytes = Math.min(this.byteCapacity, this.bytes + bytes);
  }

  /**
   * The shard answered ProvisionedThroughputExceededException to a request sent at `sentAt`. Returns true when
   * this cut the rate (false when the request predates the last cut and the throttle was already accounted).
   */
  onThrottle(sentAt: number): boolean {
    this.throttles++;
    if (sentAt < this.lastCutAt) return false;
    const now = this.clock.now();
    this.refill();
    this.factorAtCut = Math.max(this.minRateFactor, this.rateFactor(now) * this.decreaseFactor);
    this.lastCutAt = now;
    this.records = Math.min(this.records, 0);
    this.bytes = Math.min(this.bytes, 0);
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    const factor = this.rateFactor(now);
    this.records = Math.min(this.recordCapacity, this.records + (elapsed * this.recordsPerSecond * factor) / 1000);
    this.bytes = Math.min(this.byteCapacity, this.bytes + (elapsed * this.bytesPerSecond * factor) / 1000);
  }
}
