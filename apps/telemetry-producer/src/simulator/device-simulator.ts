/**
 * N simulated devices, each sending R telemetry records per second through the producer.
 *
 * Pacing. The fleet is one schedule of N·R slots per second, dealt to the devices round-robin, so each device
 * gets a record every 1/R s (offset by its place in the round) and the whole fleet needs one timer, not N. After
 * each sleep the loop emits every slot that has come due, which batches naturally at high rates.
 *
 * Backpressure. `put()` resolves when Kinesis acknowledges the record and waits while the producer's buffer is
 * full. The simulator does not await each put (that would cap a fleet at one record per round trip); instead it
 * waits while the producer is not `writable` (its buffer is full), and keeps at most `maxInFlight` unanswered
 * puts, so neither its own promises nor the producer's queue of waiting puts grow, whatever Kinesis does. While it waits, slots come due; if it falls more than `maxLagMs` behind, the missed slots are skipped
 * (counted, not queued) — a real fleet whose uplink stalls also loses readings rather than sending a burst.
 *
 * Order. Each device's `seq` increases by one per record sent, and its records are put in `seq` order with the
 * device id as partition key (PerDeviceKeyStrategy), so one shard receives them in order.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { encodeTelemetry, parseTelemetry, type TelemetryEnvelope } from '@tributary/schemas';
import { PerDeviceKeyStrategy, type KeyStrategy } from '@tributary/partitioning';
import type { DurablePutResult, PutRecordInput, PutResult } from '@tributary/kinesis-producer';
import { abortError, systemClock, type Clock } from '../clock';
import { InFlightWindow } from '../in-flight-window';
import { DeviceModel, type GeoPoint } from './device-model';
import type { RandomSource } from './random-source';

/**
 * What the simulator needs of the producer: a KinesisProducer, or a DurableProducer in front of one (whose put()
 * may resolve `buffered`: on disk, to be delivered once Kinesis is back).
 */
export interface SimulatorProducer {
  put(input: PutRecordInput): Promise<PutResult | DurablePutResult>;
  readonly writable: boolean;
  whenWritable(): Promise<void>;
}

export interface DeviceSimulatorOptions {
  producer: SimulatorProducer;
  devices: number;
  /** Records per second per device. */
  ratePerDevice: number;
  home: GeoPoint;
  /** Device ids are the prefix and a zero-padded number from 1: `sim-0001`. */
  devicePrefix?: string;
  /** Puts awaiting Kinesis' answer, at most. */
  maxInFlight?: number;
  /** How far behind schedule the simulator may fall before it skips slots. */
  maxLagMs?: number;
  /** Shortest sleep between rounds: batches slots at high rates instead of one timer per record. */
  minTickMs?: number;
  keyStrategy?: KeyStrategy;
  /**
   * Every device's first `seq` (default 0). A real device keeps its counter across reboots, and consumers keep a
   * device's state only when `seq` grows, so a restarted simulator must not start again from 0: the app passes the
   * wall clock in ms, which stays ahead of a device's previous run for rates up to 1000 records/s.
   */
  firstSeq?: number;
  tags?: Record<string, string>;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
}

export interface SimulatorStats {
  devices: number;
  /** Records handed to the producer. */
  sent: number;
  acknowledged: number;
  /** Records put into the durable buffer instead (delivered later: metrics count them when replayed). */
  buffered: number;
  failed: number;
  inFlight: number;
  /** Slots dropped because the producer could not keep up. */
  skipped: number;
  running: boolean;
}

export interface DeviceSimulatorEvents {
  /** A record was handed to the producer. */
  sent: [{ deviceId: string; seq: number }];
  acknowledged: [{ deviceId: string; seq: number; shardId: string; sequenceNumber: string }];
  buffered: [{ deviceId: string; seq: number }];
  failed: [{ deviceId: string; seq: number; error: Error }];
  skipped: [{ slots: number }];
}

export const SIMULATOR_DEFAULTS = {
  devicePrefix: 'sim-',
  maxInFlight: 10_000,
  maxLagMs: 1_000,
  minTickMs: 10,
  tags: { source: 'simulator', model: 'envsense-2' },
} as const;

const SKIP_LOG_INTERVAL_MS = 10_000;

interface DeviceState {
  id: string;
  model: DeviceModel;
  seq: number;
  lastTs: number | undefined;
}

export class DeviceSimulator extends EventEmitter<DeviceSimulatorEvents> {
  private readonly devices: DeviceState[];
  private readonly window: InFlightWindow;
  private readonly clock: Clock;
  private readonly keyStrategy: KeyStrategy;
  private readonly intervalMs: number;
  /** Records per second of the whole fleet. */
  private readonly fleetRate: number;
  private readonly maxLagMs: number;
  private readonly minTickMs: number;
  private readonly tags: Record<string, string>;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private counts = { sent: 0, acknowledged: 0, buffered: 0, failed: 0, skipped: 0 };
  private skippedSinceLog = 0;
  private lastSkipLogAt = -Infinity;

  constructor(private readonly options: DeviceSimulatorOptions) {
    super();
    if (!Number.isInteger(options.devices) || options.devices < 1) throw new RangeError(`devices must be a positive integer, got ${options.devices}`);
    if (!(options.ratePerDevice > 0)) throw new RangeError(`ratePerDevice must be positive, got ${options.ratePerDevice}`);
    const random = options.random ?? Math.random;
    const prefix = options.devicePrefix ?? SIMULATOR_DEFAULTS.devicePrefix;
    const width = Math.max(4, String(options.devices).length);
    this.devices = Array.from({ length: options.devices }, (_, i) => ({
      id: `${prefix}${String(i + 1).padStart(width, '0')}`,
      model: new DeviceModel(options.home, random),
      seq: options.firstSeq ?? 0,
      lastTs: undefined,
    }));
    this.window = new InFlightWindow(options.maxInFlight ?? SIMULATOR_DEFAULTS.maxInFlight);
    this.clock = options.clock ?? systemClock;
    this.keyStrategy = options.keyStrategy ?? new PerDeviceKeyStrategy();
    this.fleetRate = options.devices * options.ratePerDevice;
    this.intervalMs = 1000 / this.fleetRate;
    this.maxLagMs = options.maxLagMs ?? SIMULATOR_DEFAULTS.maxLagMs;
    this.minTickMs = options.minTickMs ?? SIMULATOR_DEFAULTS.minTickMs;
    this.tags = options.tags ?? SIMULATOR_DEFAULTS.tags;
  }

  get deviceIds(): string[] {
    return this.devices.map((d) => d.id);
  }

  stats(): SimulatorStats {
    return { devices: this.devices.length, ...this.counts, inFlight: this.window.size, running: this.loop !== undefined };
  }

  start(): void {
    if (this.loop) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.run(abort.signal).catch((err: unknown) => {
      if ((err as Error).name !== 'AbortError') this.options.logger?.error({ err }, 'simulator stopped by an error');
    });
  }

  /** Stops generating and waits until every record already put has been answered (acknowledged or failed). */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.abort?.abort();
    await loop;
    await this.window.drained();
    this.loop = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const origin = this.clock.now();
    let slot = 0;
    while (!signal.aborted) {
      const now = this.clock.now();
      // Slot k is due at origin + k·interval; every slot up to now is due. Computed as elapsed × rate (not elapsed
      // ÷ interval) with a little slack, so that a slot due exactly now is not lost to rounding (1000/15 is not a
      // binary fraction: 4000 / (1000/15) = 59.999…).
      const due = Math.floor(((now - origin) * this.fleetRate) / 1000 + 1e-9) + 1;
      const lagMs = (due - 1 - slot) * this.intervalMs;
      if (lagMs > this.maxLagMs) {
        const skip = due - 1 - slot;
        this.counts.skipped += skip;
        this.emit('skipped', { slots: skip });
        // At most one line per 10 s, with the count since the last one (a stalled uplink skips on every wake-up).
        this.skippedSinceLog += skip;
        if (now - this.lastSkipLogAt >= SKIP_LOG_INTERVAL_MS) {
          this.options.logger?.warn({ skippedSlots: this.skippedSinceLog, lagMs: Math.round(lagMs) }, 'producer cannot keep up: skipping simulated readings');
          this.skippedSinceLog = 0;
          this.lastSkipLogAt = now;
        }
        // The rotation goes on from the newest due slot; the skipped ones are simply not sent.
        slot = due - 1;
      }
      while (slot < due && !signal.aborted) {
        if (!this.options.producer.writable) await untilAborted(this.options.producer.whenWritable(), signal);
        await this.window.acquire(1, signal);
        this.send(slot, origin + slot * this.intervalMs);
        slot++;
      }
      const wait = origin + slot * this.intervalMs - this.clock.now();
      await this.clock.sleep(Math.max(this.minTickMs, wait), signal);
    }
  }

  private send(slot: number, scheduledAt: number): void {
    const device = this.devices[slot % this.devices.length];
    const ts = Math.round(scheduledAt);
    const reading = device.model.next(device.lastTs === undefined ? 0 : (ts - device.lastTs) / 1000);
    device.lastTs = ts;
    const seq = device.seq++;
    const parsed = parseTelemetry({
      schemaVersion: 1,
      deviceId: device.id,
      seq,
      ts,
      metrics: reading.metrics,
      location: reading.location,
      tags: this.tags,
    });
    // The simulator's own output is validated like any client's: a model bug shows up as a failure, not as
    // bad data in the stream.
    if (!parsed.ok) {
      this.window.release();
      this.counts.failed++;
      this.emit('failed', { deviceId: device.id, seq, error: new Error(`invalid simulated record: ${JSON.stringify(parsed.issues)}`) });
      return;
    }
    this.put(device.id, seq, parsed.value);
  }

  private put(deviceId: string, seq: number, record: TelemetryEnvelope): void {
    this.counts.sent++;
    this.emit('sent', { deviceId, seq });
    this.options.producer.put({ partitionKey: this.keyStrategy.partitionKeyFor(deviceId), data: encodeTelemetry(record) }).then(
      (outcome) => {
        this.window.release();
        const result = 'status' in outcome ? (outcome.status === 'delivered' ? outcome.result : undefined) : outcome;
        if (!result) {
          this.counts.buffered++;
          this.emit('buffered', { deviceId, seq });
          return;
        }
        this.counts.acknowledged++;
        this.emit('acknowledged', { deviceId, seq, shardId: result.shardId, sequenceNumber: result.sequenceNumber });
      },
      (error: unknown) => {
        this.counts.failed++;
        this.window.release();
        const err = error instanceof Error ? error : new Error(String(error));
        // Debug, without the stack: an outage fails thousands of records, and the producer's delivery log already
        // says so in one line per 10 s (a warning with a stack per record was 11,247 of 24,008 lines: issue 12).
        this.options.logger?.debug({ deviceId, seq, code: (err as { code?: unknown }).code, error: err.message }, 'simulated record not delivered');
        this.emit('failed', { deviceId, seq, error: err });
      },
    );
  }
}

/** `promise`, or an AbortError as soon as `signal` aborts (the promise itself goes on). */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
