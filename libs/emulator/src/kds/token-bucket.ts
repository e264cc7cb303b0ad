/**
 * Token bucket for the per-shard quotas. `tryTake` refuses when the tokens are not there (write limits are
 * all-or-nothing per record); `takeDebt` lets the balance go negative, which models the read side: a 10 MiB
 * GetRecords is served, then the shard's readers are throttled until the debt is repaid (kds-reference §1.4).
 */
import type { Clock } from '../clock';

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly clock: Clock,
  ) {
    this.tokens = capacity;
    this.last = clock.now();
  }

  available(): number {
    // Limits off: an infinite bucket stays full whatever is taken, so skip the clock read (PutRecords asks
    // twice per record).
    if (this.capacity === Infinity) return Infinity;
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.refillPerSecond) / 1000);
      this.last = now;
    }
    return this.tokens;
  }

  tryTake(n: number): boolean {
    if (this.available() < n) return false;
    this.tokens -= n;
    return true;
  }

  takeDebt(n: number): void {
    this.available();
    this.tokens -= n;
  }

  /** Milliseconds until `n` tokens are available (0 if they are). */
  msUntil(n: number): number {
    const missing = n - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.refillPerSecond);
  }
}
