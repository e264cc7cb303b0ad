/**
 * When the producer's pump runs (KinesisProducer.pump: refresh, retries, expiry, admission, sending). Nothing
 * polls: the pump runs as one microtask after a burst of puts (`queue`: a burst costs one run), at once when a
 * call completes (`runNow`), and on one wake timer set for the earliest moment something is due (`armWake`: a
 * linger deadline, a backoff end, a limiter refill, a TTL expiry, a shard-map refresh). A throttled or
 * unreachable stream therefore costs timers, not CPU.
 */
import type { Timers } from './producer-options';

export class PumpScheduler {
  private queued = false;
  private wakeHandle: unknown = undefined;
  private wakeAt = Infinity;

  constructor(
    private readonly timers: Timers,
    private readonly pump: () => void,
  ) {}

  /** Runs the pump once, after the current task (however many times this is called before then). */
  queue(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(this.runNow);
  }

  /** Runs the pump now; a run queued before still happens (it finds less to do). */
  readonly runNow = (): void => {
    this.queued = false;
    this.pump();
  };

  /** Arms the wake timer for `at` unless it is already set to fire earlier. */
  armWake(at: number, now: number): void {
    if (at >= this.wakeAt) return;
    this.clearWake();
    this.wakeAt = at;
    this.wakeHandle = this.timers.setTimeout(this.wake, Math.max(0, at - now));
  }

  clearWake(): void {
    if (this.wakeHandle !== undefined) this.timers.clearTimeout(this.wakeHandle);
    this.wakeHandle = undefined;
    this.wakeAt = Infinity;
  }

  private readonly wake = (): void => {
    this.wakeHandle = undefined;
    this.wakeAt = Infinity;
    this.runNow();
  };
}
