/**
 * Per-client rate limit in records per second: one token bucket per authenticated principal (API key id or JWT
 * subject), refilled continuously at `ratePerSecond` up to `burst`.
 *
 * Records, not requests, because records are what costs Kinesis capacity: one request of 5,000 lines is not the
 * same as one of a single record. The record count is only known after the body is read, so the bucket is used
 * in two steps:
 *
 * 1. `admit(key)` before the body is read: a request goes ahead only if the bucket holds at least one token,
 *    which it takes. A client over its rate is refused without its body costing us anything.
 * 2. `charge(key, n - 1)` once the body is parsed: the rest of the records are taken, possibly leaving the bucket
 *    in debt. The debt delays the client's next requests for exactly as long as its batch was over the rate
 *    (the way AWS puts a shard in debt after a large GetRecords), so a batch larger than `burst` still goes
 *    through, once, instead of never fitting.
 *
 * `Retry-After` is the time until the bucket holds one token again.
 */
import { TokenBucket } from '@tributary/runtime';
import type { Clock } from '../clock';

export interface KeyRateLimiterOptions {
  ratePerSecond: number;
  burst: number;
  clock: Clock;
  /** Buckets kept before full (idle) ones are swept; bounds memory with many JWT subjects. */
  sweepAbove?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** One principal's bucket: @tributary/runtime's, whose takeDebt is step 2's debt. */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly sweepAbove: number;

  constructor(private readonly options: KeyRateLimiterOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    if (!(options.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
    this.sweepAbove = options.sweepAbove ?? 10_000;
  }

  admit(key: string): RateDecision {
    const bucket = this.bucket(key);
    if (bucket.tryTake(1)) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(bucket.msUntil(1) / 1000)) };
  }

  /** Takes `records` more tokens from an admitted request (the bucket may go into debt). */
  charge(key: string, records: number): void {
    if (records <= 0) return;
    this.bucket(key).takeDebt(records);
  }

  /** Tokens left for `key` now (negative while in debt). */
  tokens(key: string): number {
    return this.bucket(key).available();
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAbove) this.sweep();
      bucket = new TokenBucket(this.options.burst, this.options.ratePerSecond, this.options.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Drops buckets that are full by now: forgetting them changes nothing. */
  private sweep(): void {
    for (const [key, b] of this.buckets) if (b.available() >= this.options.burst) this.buckets.delete(key);
  }
}
