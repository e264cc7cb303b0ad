/**
 * Each camera's health as one DynamoDB item (`--health-table`), replaced every 5 s, for the dashboard: the item
 * layout and its zod schema are @tributary/schemas dashboard-items.ts (hash key `streamName`).
 *
 * The figures come from the PutMedia session's events, per interval: PERSISTED acks (fragments/s, and the ack
 * latency p50/p99: PERSISTED − the moment the fragment's last byte was handed to the connection, which is when
 * libs/kvs stamps `sentAt`), bytes written (bitrate), plus the spool's size and the capture's last fragment.
 *
 * Health reporting must never disturb ingest: writes are PutItem calls off the media path, one per camera per
 * tick, never two ticks at once; a failed write (or a table that cannot be created yet) logs a warning and is
 * tried again at the next tick. Nothing here throws into the app.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Logger } from 'pino';
import { ensureTable } from '@tributary/dynamodb-tables';
import { awsErrorName } from '@tributary/errors';
import type { FragmentPersistedEvent, FragmentSentEvent, PutMediaSession } from '@tributary/kvs';
import { systemClock, unrefTimers, type Clock, type Timers } from '@tributary/runtime';
import { CAMERA_HEALTH_TABLE_KEYS, DASHBOARD_ITEM_DEFAULTS, type CameraHealthItem, type CameraState } from '@tributary/schemas';

export const CAMERA_HEALTH_DEFAULTS = {
  intervalMs: DASHBOARD_ITEM_DEFAULTS.cameraHealthIntervalMs,
  /** Longest wait for a table this reporter created to become ACTIVE, per tick. */
  activeTimeoutMs: 30_000,
  /** Longest wait for the final write at shutdown: an unreachable table must not hold the process. */
  stopTimeoutMs: 3_000,
} as const;

/** What the reporter reads of one camera. */
export interface ReportedCamera {
  streamName: string;
  session: Pick<PutMediaSession, 'on' | 'off' | 'stats'>;
  spooledFragments(): number;
  /** False once capture stopped (shutdown, or a source that ended). */
  capturing(): boolean;
  /** Producer timestamp (epoch ms) of the newest fragment handed to the session. */
  lastFragmentAt(): number | undefined;
  /**
   * True while the live session is not connected on purpose: a backlog turn has the stream's one connection, or the
   * camera records without live upload. Such a camera is not `reconnecting`.
   */
  disconnectedByDesign?(): boolean;
  /** The local recording's figures, for a camera that records. */
  recording?(): Pick<CameraHealthItem, 'recording' | 'backlogFragments' | 'backlogBytes' | 'backlogAgeSeconds' | 'uploadBytesPerSecond'>;
}

export interface CameraHealthReporterOptions {
  client: DynamoDBClient;
  tableName: string;
  producerId: string;
  cameras: readonly ReportedCamera[];
  intervalMs?: number;
  stopTimeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/** The `q` quantile (0..1) of `values` by nearest rank; undefined for none. Pure. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One camera's counters over the current interval (reset by `snapshot`). */
class IntervalCounters {
  bytesSent = 0;
  persisted = 0;
  ackLatencies: number[] = [];
  fragmentsAcked = 0;
  lastAckAt: number | undefined;
  startedAt: number;

  constructor(now: number) {
    this.startedAt = now;
  }

  reset(now: number): void {
    this.bytesSent = 0;
    this.persisted = 0;
    this.ackLatencies = [];
    this.startedAt = now;
  }
}

interface Bound {
  camera: ReportedCamera;
  counters: IntervalCounters;
  unbind: () => void;
}

export class CameraHealthReporter {
  readonly tableName: string;
  readonly intervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly client: DynamoDBClient;
  private readonly producerId: string;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Pick<Logger, 'info' | 'warn' | 'debug'> | undefined;
  private readonly bound: Bound[];
  private tableReady = false;
  private timer: unknown;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly totals = { written: 0, failed: 0 };

  constructor(options: CameraHealthReporterOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.producerId = options.producerId;
    this.intervalMs = options.intervalMs ?? CAMERA_HEALTH_DEFAULTS.intervalMs;
    this.stopTimeoutMs = options.stopTimeoutMs ?? CAMERA_HEALTH_DEFAULTS.stopTimeoutMs;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? unrefTimers;
    this.logger = options.logger;
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < 100) throw new RangeError(`CameraHealthReporter: intervalMs must be an integer >= 100 (got ${this.intervalMs})`);
    const now = this.clock.now();
    this.bound = options.cameras.map((camera) => {
      const counters = new IntervalCounters(now);
      const onSent = (e: FragmentSentEvent): void => {
        counters.bytesSent += e.bytes;
      };
      const onPersisted = (e: FragmentPersistedEvent): void => {
        counters.persisted++;
        counters.fragmentsAcked++;
        counters.ackLatencies.push(e.ackLatencyMs);
        counters.lastAckAt = this.clock.now();
      };
      camera.session.on('fragment-sent', onSent);
      camera.session.on('fragment-persisted', onPersisted);
      return {
        camera,
        counters,
        unbind: () => {
          camera.session.off('fragment-sent', onSent);
          camera.session.off('fragment-persisted', onPersisted);
        },
      };
    });
  }

  stats(): { written: number; failed: number } {
    return { ...this.totals };
  }

  /** Starts the periodic writes (the first one after one interval, when there is something to say). */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    const schedule = (): void => {
      this.timer = this.timers.setTimeout(() => {
        void this.tick().finally(() => {
          if (!this.stopped) schedule();
        });
      }, this.intervalMs);
    };
    schedule();
  }

  /**
   * Stops the timer, waits for a write in flight, writes each camera's final item (state `stopped` once capture
   * ended), and stops listening to the sessions; gives up on the writes after `stopTimeoutMs`.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    for (const b of this.bound) b.unbind();
    let timer: unknown;
    const timeout = new Promise<'timeout'>((resolve) => (timer = this.timers.setTimeout(() => resolve('timeout'), this.stopTimeoutMs)));
    const final = (async () => {
      await this.ticking;
      await this.writeAll();
    })();
    const outcome = await Promise.race([final, timeout]);
    this.timers.clearTimeout(timer);
    if (outcome === 'timeout') this.logger?.warn({ table: this.tableName }, 'final camera health not written in time; stopping without it');
  }

  /** One round of writes; a round still in flight is not doubled. Never rejects. */
  tick(): Promise<void> {
    this.ticking ??= this.writeAll().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** The item for one camera now, closing its interval. */
  snapshot(index: number): CameraHealthItem {
    const { camera, counters } = this.bound[index];
    const now = this.clock.now();
    const seconds = Math.max(now - counters.startedAt, 1) / 1000;
    const session = camera.session.stats();
    const item: CameraHealthItem = {
      streamName: camera.streamName,
      producerId: this.producerId,
      state: stateOf(camera, session, counters),
      fragmentsAcked: counters.fragmentsAcked,
      fragmentsPerSecond: round(counters.persisted / seconds, 3),
      bitrateKbps: round((counters.bytesSent * 8) / seconds / 1000, 1),
      spooledFragments: camera.spooledFragments(),
      intervalMs: this.intervalMs,
      updatedAt: now,
    };
    const p50 = quantile(counters.ackLatencies, 0.5);
    const p99 = quantile(counters.ackLatencies, 0.99);
    if (p50 !== undefined) item.ackLatencyP50Ms = p50;
    if (p99 !== undefined) item.ackLatencyP99Ms = p99;
    const lastFragmentAt = camera.lastFragmentAt();
    if (lastFragmentAt !== undefined) item.lastFragmentAt = lastFragmentAt;
    if (counters.lastAckAt !== undefined) item.lastAckAt = counters.lastAckAt;
    if (camera.recording) Object.assign(item, camera.recording());
    counters.reset(now);
    return item;
  }

  private async writeAll(): Promise<void> {
    if (!(await this.ensureTable())) return;
    const items = this.bound.map((_, i) => this.snapshot(i));
    await Promise.all(
      items.map(async (item) => {
        try {
          await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(item, { removeUndefinedValues: true }) }));
          this.totals.written++;
        } catch (err) {
          this.totals.failed++;
          this.logger?.warn({ table: this.tableName, stream: item.streamName, err: describe(err) }, 'camera health not written; trying again at the next interval');
        }
      }),
    );
  }

  /** True once the table is there (created if missing: @tributary/dynamodb-tables); false (logged) when it cannot be yet. */
  private async ensureTable(): Promise<boolean> {
    if (this.tableReady) return true;
    try {
      await ensureTable(
        this.client,
        { tableName: this.tableName, keys: [{ name: CAMERA_HEALTH_TABLE_KEYS.hash, type: 'S', role: 'HASH' }] },
        { label: 'camera-health table', activeTimeoutMs: CAMERA_HEALTH_DEFAULTS.activeTimeoutMs, clock: this.clock, timers: this.timers, ...(this.logger ? { logger: this.logger } : {}) },
      );
      this.tableReady = true;
      return true;
    } catch (err) {
      this.totals.failed++;
      this.logger?.warn({ table: this.tableName, err: describe(err) }, 'camera-health table not ready; trying again at the next interval');
      return false;
    }
  }
}

/**
 * stopped: capture ended, or the session closed or failed; reconnecting: no PutMedia connection now;
 * buffering: connected, but nothing was persisted in the interval or a backlog waits to be (re)sent;
 * streaming: fragments are being persisted.
 */
function stateOf(camera: ReportedCamera, session: ReturnType<PutMediaSession['stats']>, counters: IntervalCounters): CameraState {
  if (session.state === 'closed' || session.state === 'failed' || (!camera.capturing() && session.unsettled === 0)) return 'stopped';
  if (!session.connected && camera.disconnectedByDesign?.() !== true) return 'reconnecting';
  if (counters.persisted === 0 || session.queued > 1) return 'buffering';
  return 'streaming';
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
const describe = (err: unknown): string => `${awsErrorName(err) || 'Error'}: ${err instanceof Error ? err.message : String(err)}`;
