/**
 * Per-device, per-minute, per-metric rollups (count, sum, min, max, mean) over event time, as a pure state
 * machine: readings in, closed rollups out. No I/O and no clock of its own: the caller passes the processing time
 * where it matters (idle close, future-skew guard), so every rule is unit tested without waiting.
 *
 * Windows close on a per-DEVICE watermark (the newest `ts` seen from that device), not a global one: a device
 * whose clock runs minutes ahead then only closes its own windows, instead of making every other device's
 * readings late. A minute [start, start + window) closes once the device's watermark reaches
 * `start + window + allowedLateness`; a reading for a minute already closed is late: counted, not rolled up
 * (the raw record still reaches the file sink and the device-state table; only the rollup skips it).
 *
 * Other ways a window closes, each marked in `closedBy` so downstream can tell a complete minute from a part:
 * - `idle`: the device sent nothing for `idleCloseMs` of processing time (its last minute would otherwise stay
 *   open until its next reading, or forever);
 * - `lease-lost`: the worker lost the shard the device's readings come from; the device's next readings go to
 *   another worker, which starts a rollup of its own for the same minute;
 * - `shutdown`: the worker is stopping (leases are handed off; same as above).
 * Two rows for one (device, metric, minute) are therefore possible; `count`, `sum`, `min` and `max` merge
 * (sum the counts and sums, min of mins, max of maxes, mean = sum / count).
 *
 * At-least-once input: a retried batch, or a replay after a failover, delivers readings again. Each open window
 * remembers the device sequence numbers (`seq`) it counted and ignores repeats, so a retry never inflates a count.
 */

export const ROLLUP_DEFAULTS = {
  windowMs: 60_000,
  allowedLatenessMs: 5_000,
  /** Longer than a window plus the lateness: a device sending at least once a minute never closes by idleness. */
  idleCloseMs: 70_000,
  /** Readings stamped further than this ahead of the consumer's clock are not rolled up (bogus device clock). */
  maxFutureSkewMs: 5 * 60_000,
  /** A device with no open window is forgotten after this long without readings (its late-reading guard too). */
  forgetDeviceAfterMs: 60 * 60_000,
} as const;

export interface MinuteRollupOptions {
  /** Window length; 60,000 for per-minute rollups. Must divide a day evenly for aligned windows. */
  windowMs?: number;
  /** How far behind a device's newest reading a reading may be and still count in its minute. */
  allowedLatenessMs?: number;
  /** Processing time without readings from a device after which its open windows close (`closedBy: 'idle'`). */
  idleCloseMs?: number;
  maxFutureSkewMs?: number;
  forgetDeviceAfterMs?: number;
}

/** What the rollup needs of a validated telemetry record. */
export interface RollupReading {
  deviceId: string;
  /** Device sequence number: repeats of one (device, seq) are counted once. */
  seq: number;
  /** Event time, epoch ms. */
  ts: number;
  metrics: Readonly<Record<string, number>>;
  /** The shard the reading came from, for `closeShard` when that shard's lease is lost. */
  shardId: string;
}

export type RollupCloseReason = 'watermark' | 'idle' | 'lease-lost' | 'shutdown';

export interface ClosedRollup {
  deviceId: string;
  metric: string;
  /** Epoch ms, inclusive. */
  windowStart: number;
  /** Epoch ms, exclusive. */
  windowEnd: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  closedBy: RollupCloseReason;
}

/** counted: in a window; late: its window had closed; duplicate: this (device, seq) was counted already;
 * future: stamped beyond `maxFutureSkewMs` ahead of processing time. */
export type RollupOutcome = 'counted' | 'late' | 'duplicate' | 'future';

export interface RollupAddResult {
  outcome: RollupOutcome;
  /** Windows this reading's watermark advance closed (of this device only). */
  closed: ClosedRollup[];
}

interface MetricStats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface OpenWindow {
  start: number;
  seqs: Set<number>;
  metrics: Map<string, MetricStats>;
}

interface DeviceState {
  /** Newest event time seen from the device. */
  watermark: number;
  /** Every window ending at or before this is closed: a reading for one of them is late. */
  closedThrough: number;
  /** Processing time of the last reading. */
  lastSeenAt: number;
  shardId: string;
  windows: Map<number, OpenWindow>;
}

export class MinuteRollup {
  readonly windowMs: number;
  readonly allowedLatenessMs: number;
  readonly idleCloseMs: number;
  readonly maxFutureSkewMs: number;
  readonly forgetDeviceAfterMs: number;
  private readonly devices = new Map<string, DeviceState>();
  private open = 0;

  constructor(options: MinuteRollupOptions = {}) {
    this.windowMs = options.windowMs ?? ROLLUP_DEFAULTS.windowMs;
    this.allowedLatenessMs = options.allowedLatenessMs ?? ROLLUP_DEFAULTS.allowedLatenessMs;
    this.idleCloseMs = options.idleCloseMs ?? ROLLUP_DEFAULTS.idleCloseMs;
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? ROLLUP_DEFAULTS.maxFutureSkewMs;
    this.forgetDeviceAfterMs = options.forgetDeviceAfterMs ?? ROLLUP_DEFAULTS.forgetDeviceAfterMs;
    for (const [name, value] of Object.entries({ windowMs: this.windowMs, idleCloseMs: this.idleCloseMs })) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`MinuteRollup: ${name} must be a positive integer (got ${value}).`);
    }
    for (const [name, value] of Object.entries({
      allowedLatenessMs: this.allowedLatenessMs,
      maxFutureSkewMs: this.maxFutureSkewMs,
      forgetDeviceAfterMs: this.forgetDeviceAfterMs,
    })) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`MinuteRollup: ${name} must be an integer >= 0 (got ${value}).`);
    }
  }

  /** Open windows across all devices (one per device and minute, whatever the number of metrics). */
  get openWindows(): number {
    return this.open;
  }

  /** Devices tracked (with open windows, or remembered for the late-reading guard). */
  get trackedDevices(): number {
    return this.devices.size;
  }

  /** Adds one reading at processing time `now`; returns its outcome and the windows its watermark closed. */
  add(reading: RollupReading, now: number): RollupAddResult {
    if (reading.ts > now + this.maxFutureSkewMs) return { outcome: 'future', closed: [] };
    let device = this.devices.get(reading.deviceId);
    if (!device) {
      device = { watermark: -Infinity, closedThrough: -Infinity, lastSeenAt: now, shardId: reading.shardId, windows: new Map() };
      this.devices.set(reading.deviceId, device);
    }
    device.lastSeenAt = now;
    device.shardId = reading.shardId;

    const start = Math.floor(reading.ts / this.windowMs) * this.windowMs;
    let outcome: RollupOutcome;
    if (start + this.windowMs <= device.closedThrough || start + this.windowMs + this.allowedLatenessMs <= device.watermark) {
      outcome = 'late';
    } else {
      let window = device.windows.get(start);
      if (!window) {
        window = { start, seqs: new Set(), metrics: new Map() };
        device.windows.set(start, window);
        this.open++;
      }
      if (window.seqs.has(reading.seq)) {
        outcome = 'duplicate';
      } else {
        window.seqs.add(reading.seq);
        for (const [name, value] of Object.entries(reading.metrics)) {
          const stats = window.metrics.get(name);
          if (stats) {
            stats.count++;
            stats.sum += value;
            if (value < stats.min) stats.min = value;
            if (value > stats.max) stats.max = value;
          } else {
            window.metrics.set(name, { count: 1, sum: value, min: value, max: value });
          }
        }
        outcome = 'counted';
      }
    }

    if (reading.ts > device.watermark) device.watermark = reading.ts;
    const boundary = device.watermark - this.allowedLatenessMs;
    const closed = this.closeWindows(reading.deviceId, device, (w) => w.start + this.windowMs <= boundary, 'watermark');
    if (boundary > device.closedThrough) device.closedThrough = boundary;
    return { outcome, closed };
  }

  /**
   * Closes the windows of devices silent for `idleCloseMs` (processing time) and forgets devices silent for
   * `forgetDeviceAfterMs` with nothing open. Call it periodically (the app does every few seconds).
   */
  closeIdle(now: number): ClosedRollup[] {
    const closed: ClosedRollup[] = [];
    for (const [deviceId, device] of this.devices) {
      const silentFor = now - device.lastSeenAt;
      if (silentFor >= this.idleCloseMs && device.windows.size > 0) {
        closed.push(...this.closeWindows(deviceId, device, () => true, 'idle'));
      }
      if (device.windows.size === 0 && silentFor >= this.forgetDeviceAfterMs) this.devices.delete(deviceId);
    }
    return sortRollups(closed);
  }

  /** Closes the windows of devices whose last reading came from `shardId` (its lease was lost). */
  closeShard(shardId: string, reason: RollupCloseReason = 'lease-lost'): ClosedRollup[] {
    const closed: ClosedRollup[] = [];
    for (const [deviceId, device] of this.devices) {
      if (device.shardId === shardId) closed.push(...this.closeWindows(deviceId, device, () => true, reason));
    }
    return sortRollups(closed);
  }

  /** Closes every open window (shutdown). */
  closeAll(reason: RollupCloseReason = 'shutdown'): ClosedRollup[] {
    const closed: ClosedRollup[] = [];
    for (const [deviceId, device] of this.devices) closed.push(...this.closeWindows(deviceId, device, () => true, reason));
    return sortRollups(closed);
  }

  private closeWindows(deviceId: string, device: DeviceState, which: (w: OpenWindow) => boolean, reason: RollupCloseReason): ClosedRollup[] {
    if (device.windows.size === 0) return [];
    const out: ClosedRollup[] = [];
    const starts = [...device.windows.keys()].sort((a, b) => a - b);
    for (const start of starts) {
      const window = device.windows.get(start) as OpenWindow;
      if (!which(window)) continue;
      device.windows.delete(start);
      this.open--;
      const end = start + this.windowMs;
      if (end > device.closedThrough) device.closedThrough = end;
      const names = [...window.metrics.keys()].sort();
      for (const metric of names) {
        const s = window.metrics.get(metric) as MetricStats;
        out.push({ deviceId, metric, windowStart: start, windowEnd: end, count: s.count, sum: s.sum, min: s.min, max: s.max, mean: s.sum / s.count, closedBy: reason });
      }
    }
    return out;
  }
}

/** Stable output order: by minute, then device, then metric. */
function sortRollups(rollups: ClosedRollup[]): ClosedRollup[] {
  return rollups.sort(
    (a, b) =>
      a.windowStart - b.windowStart ||
      (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0) ||
      (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0),
  );
}
