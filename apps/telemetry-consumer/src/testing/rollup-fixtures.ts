/** Closed rollups as the minute rollup hands them to the rollup sinks. */
import type { ClosedRollup, RollupCloseReason } from '../rollups/minute-rollup';

export interface ClosedMinuteInput {
  deviceId: string;
  metric: string;
  /** Minutes after `t0`. */
  minute: number;
  count: number;
  /** The readings average `mean` and range from `mean - spread` to `mean + spread`. */
  mean: number;
  spread: number;
  closedBy?: RollupCloseReason;
}

/** The rollup of minute `minute` after `t0` (closed by the watermark unless told otherwise). */
export const closedMinute = (t0: number, m: ClosedMinuteInput): ClosedRollup => ({
  deviceId: m.deviceId,
  metric: m.metric,
  windowStart: t0 + m.minute * 60_000,
  windowEnd: t0 + (m.minute + 1) * 60_000,
  count: m.count,
  sum: m.count * m.mean,
  min: m.mean - m.spread,
  max: m.mean + m.spread,
  mean: m.mean,
  closedBy: m.closedBy ?? 'watermark',
});
