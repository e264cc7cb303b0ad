/**
 * `--rate N`: at most N records per second, on average over any second, with no burst beyond a few ms' worth.
 * Each record gets the next slot of a schedule 1/N s apart (GCRA, the "virtual scheduling" form of a token
 * bucket with a bucket of one); a slot already past is taken at once, and the caller sleeps only when its slot
 * is more than `minSleepMs` away, so a high rate does not cost a timer per record (the records of those few ms
 * go together, and the average stays N/s). Clock and sleep are injected: the spec runs on a fake clock.
 */

export interface RateClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class RateLimiter {
  private readonly intervalMs: number;
  private nextSlot: number | undefined;

  constructor(
    recordsPerSecond: number,
    private readonly clock: RateClock,
    private readonly minSleepMs = 10,
  ) {
    if (!(recordsPerSecond > 0) || !Number.isFinite(recordsPerSecond)) throw new RangeError('recordsPerSecond must be a positive number');
    this.intervalMs = 1000 / recordsPerSecond;
  }

  /** Resolves when the next record may go. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    // A slot left unused (the source was slow) is not saved up: the schedule restarts from now.
    const slot = this.nextSlot === undefined || this.nextSlot < now ? now : this.nextSlot;
    this.nextSlot = slot + this.intervalMs;
    const wait = slot - now;
    if (wait >= this.minSleepMs) await this.clock.sleep(wait, signal);
  }
}
