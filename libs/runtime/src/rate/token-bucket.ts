/**
 * A token bucket on an injected clock: `capacity` tokens at most, refilled at `refillPerSecond`. `tryTake` refuses
 * when the tokens are not there (the emulator's write quotas are all-or-nothing per record); `takeDebt` lets the
 * balance go negative (a 10 MiB GetRecords is served, then the shard's readers wait until the debt is repaid,
 * kds-reference §1.4; the video producer's live video is charged to its upload cap without waiting, and the
 * backlog waits the debt out). A clock that steps back adds nothing.
 */
import type { Clock } from '../time/clock';

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(capacity > 0) || !(refillPerSecond > 0)) throw new RangeError(`A token bucket needs a positive capacity and rate, got ${capacity} and ${refillPerSecond}/s.`);
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

  /**
   * Milliseconds until `n` tokens are available (0 if they are). More than the capacity can never be held: such a
   * take waits for a full bucket and then goes into debt (takeDebt), which keeps the long-run rate.
   */
  msUntil(n: number): number {
    const missing = Math.min(n, this.capacity) - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.refillPerSecond);
  }
}
