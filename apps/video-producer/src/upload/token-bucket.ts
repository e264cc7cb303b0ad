/**
 * The upload bandwidth cap: a token bucket in bytes, pure (the caller passes the time), so it is tested with a
 * fake clock. Tokens accrue at `rateBytesPerSec` up to `burstBytes`. A sender asks `delayFor(bytes, now)` and
 * sends once it is 0, then `charge(bytes, now)`s; live video is charged without asking (it has priority and is
 * never held back here) and may take the bucket below zero, which the backlog then waits out. A fragment larger
 * than the burst may go once the bucket holds a full burst: the debt it leaves keeps the long-run rate at the cap.
 */
export interface TokenBucketOptions {
  rateBytesPerSec: number;
  /** Most tokens held (what may go in one burst after a quiet time). Default: one second at the rate. */
  burstBytes?: number;
  /** Start time (ms); the bucket starts full. */
  nowMs: number;
}

export class TokenBucket {
  readonly rateBytesPerSec: number;
  readonly burstBytes: number;
  private tokens: number;
  private lastMs: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.rateBytesPerSec > 0)) throw new RangeError(`Token bucket rate must be positive, got ${options.rateBytesPerSec}.`);
    this.rateBytesPerSec = options.rateBytesPerSec;
    this.burstBytes = options.burstBytes ?? options.rateBytesPerSec;
    if (!(this.burstBytes > 0)) throw new RangeError(`Token bucket burst must be positive, got ${this.burstBytes}.`);
    this.tokens = this.burstBytes;
    this.lastMs = options.nowMs;
  }

  /** Mbit/s (10^6 bits, as links are rated) to bytes per second. */
  static bytesPerSecFromMbps(mbps: number): number {
    return (mbps * 1_000_000) / 8;
  }

  private refill(nowMs: number): void {
    // A clock that steps back adds nothing (and does not take tokens away).
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burstBytes, this.tokens + ((nowMs - this.lastMs) * this.rateBytesPerSec) / 1000);
      this.lastMs = nowMs;
    }
  }

  /** Tokens now (negative while live video has overdrawn the bucket). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Milliseconds until `bytes` may be sent (0: now). */
  delayFor(bytes: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(bytes, this.burstBytes);
    if (this.tokens >= need) return 0;
    return Math.ceil(((need - this.tokens) * 1000) / this.rateBytesPerSec);
  }

  /** Takes `bytes` (sent, or about to be): the bucket may go below zero. */
  charge(bytes: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= bytes;
  }
}
