/**
 * Bytes per second over the last `windowMs` (the upload rate on /metrics and the dashboard): samples in one-second
 * buckets, pure (the caller passes the time).
 */
export class RateMeter {
  private readonly buckets: { second: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  add(bytes: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.second === second) last.bytes += bytes;
    else this.buckets.push({ second, bytes });
    this.prune(nowMs);
  }

  private prune(nowMs: number): void {
    const oldest = Math.floor((nowMs - this.windowMs) / 1000);
    while (this.buckets.length > 0 && this.buckets[0].second <= oldest) this.buckets.shift();
  }

  /**
   * Bytes per second over the window, or over the time since the oldest sample when that is shorter (at least a
   * second), so that an upload that just started shows its rate rather than a fraction of it.
   */
  bytesPerSecond(nowMs: number): number {
    this.prune(nowMs);
    if (this.buckets.length === 0) return 0;
    let total = 0;
    for (const b of this.buckets) total += b.bytes;
    const span = Math.max(1000, Math.min(this.windowMs, nowMs - this.buckets[0].second * 1000));
    return (total * 1000) / span;
  }
}
