/**
 * When the backlog may go up: the KVS Edge Agent's UploaderConfig.ScheduleConfig, a cron expression that opens a
 * window and the window's length (the Edge Agent's `ScheduleExpression` is a Quartz cron, `DurationInSeconds` its
 * length). Cron is parsed by croner: 5 fields (minute first), 6 (seconds first) or 7 (with year), Quartz's `?`
 * accepted, evaluated in UTC (an edge device's local zone is whatever it was flashed with; UTC is the same
 * everywhere). Without an expression the window is always open: the backlog drains whenever KVS is reachable.
 *
 * Pure apart from croner (no timers): the uploader asks `isOpen(now)`.
 */
import { Cron } from 'croner';

export interface UploadWindow {
  openedAtMs: number;
  closesAtMs: number;
}

export class UploadSchedule {
  private readonly cron: Cron | undefined;

  /** Throws a RangeError naming the expression when croner cannot read it. */
  constructor(
    readonly expression: string | undefined,
    readonly durationMs: number,
  ) {
    if (expression !== undefined) {
      try {
        this.cron = new Cron(expression, { paused: true, timezone: 'UTC' });
      } catch (err) {
        throw new RangeError(`Invalid cron expression "${expression}": ${(err as Error).message}`);
      }
      if (!(durationMs > 0)) throw new RangeError(`An upload window needs a positive duration, got ${durationMs} ms.`);
    }
  }

  get always(): boolean {
    return this.cron === undefined;
  }

  /** The window `now` falls in, or undefined when the schedule is closed (always open without a cron). */
  windowAt(nowMs: number): UploadWindow | undefined {
    if (!this.cron) return { openedAtMs: -Infinity, closesAtMs: Infinity };
    // The latest start at or before now (croner includes a start earlier in the same second); windows longer
    // than the cron period overlap and are one long window, which the latest start alone does not show: look back
    // at a few more.
    const starts = this.cron.previousRuns(8, new Date(nowMs + 1));
    let window: UploadWindow | undefined;
    for (const start of starts) {
      const opened = start.getTime();
      const closes = opened + this.durationMs;
      if (opened <= nowMs && nowMs < closes && (window === undefined || closes > window.closesAtMs)) window = { openedAtMs: opened, closesAtMs: closes };
    }
    return window;
  }

  isOpen(nowMs: number): boolean {
    return this.windowAt(nowMs) !== undefined;
  }

  /** When the next window opens after `now` (undefined without a cron, or when the cron never fires again). */
  nextOpening(nowMs: number): number | undefined {
    return this.cron?.nextRun(new Date(nowMs))?.getTime();
  }
}
