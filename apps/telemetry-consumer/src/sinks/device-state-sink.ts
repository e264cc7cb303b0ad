/**
 * Each device's latest state in a DynamoDB table: one item per device (hash key `deviceId`) with its newest
 * metrics, timestamp, device sequence number, location and tags, and where in the stream they came from.
 *
 * "Latest" is decided by the device's own sequence number (`seq`), not by arrival: every write is a conditional
 * PutItem `attribute_not_exists(deviceId) OR seq < :seq`, so a replay after a failover, a retried batch, or a slow
 * worker still holding an old batch never puts an older state over a newer one. A refused write
 * (ConditionalCheckFailedException) is counted as stale, not an error. Within a batch only each device's newest
 * record is written (one write per device per batch, not per record).
 *
 * A device that restarts its `seq` from 0 is not updated again until it passes its old number: the envelope
 * promises a per-device sequence that never goes back (libs/schemas), and the table keeps that promise's
 * consequence rather than guessing from timestamps.
 *
 * The table is created on start if missing (PAY_PER_REQUEST, as KCL creates its lease table), and the sink waits
 * until it is ACTIVE.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { noopLogger, type Logger } from '../logger';
import { systemClock, systemTimers, type Clock, type Timers } from '../time';
import { conditionalPuts, ensureTable, isRetriableAwsError, writeFailure } from './dynamo-table';

export const DEVICE_STATE_DEFAULTS = {
  /** PutItem calls in flight at once per batch. */
  concurrency: 16,
  /** How long a CREATING table may take to become ACTIVE. */
  activeTimeoutMs: 60_000,
} as const;

/** One device's state as stored (attribute names as in DynamoDB). */
export interface DeviceState {
  deviceId: string;
  /** The device's sequence number: the item is replaced only by a higher one. */
  seq: number;
  /** Event time of the reading, epoch ms. */
  ts: number;
  metrics: Readonly<Record<string, number>>;
  location?: { lat: number; lon: number; alt?: number };
  tags?: Readonly<Record<string, string>>;
  /** Where the record sits in the stream. */
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
}

export interface DeviceStateWriteResult {
  /** Items written (new devices or newer states). */
  written: number;
  /** Writes refused because the table already held the same or a newer `seq`. */
  stale: number;
}

export interface DeviceStateSinkOptions {
  client: DynamoDBClient;
  tableName: string;
  concurrency?: number;
  activeTimeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
}

/** Each device's newest state in `states` (highest `seq`; on a tie, the first). Pure. */
export function latestPerDevice(states: readonly DeviceState[]): DeviceState[] {
  const newest = new Map<string, DeviceState>();
  for (const s of states) {
    const seen = newest.get(s.deviceId);
    if (!seen || s.seq > seen.seq) newest.set(s.deviceId, s);
  }
  return [...newest.values()];
}

export { isRetriableAwsError };

export class DeviceStateSink {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly concurrency: number;
  private readonly activeTimeoutMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly totals = { written: 0, stale: 0 };

  constructor(options: DeviceStateSinkOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.concurrency = options.concurrency ?? DEVICE_STATE_DEFAULTS.concurrency;
    this.activeTimeoutMs = options.activeTimeoutMs ?? DEVICE_STATE_DEFAULTS.activeTimeoutMs;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? noopLogger;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError(`DeviceStateSink: concurrency must be a positive integer (got ${this.concurrency})`);
  }

  stats(): DeviceStateWriteResult {
    return { ...this.totals };
  }

  /** Creates the table if it is missing and waits until it is ACTIVE; checks the key schema of an existing one. */
  async ensureTable(): Promise<'exists' | 'created'> {
    const { outcome } = await ensureTable({
      client: this.client,
      tableName: this.tableName,
      keys: [{ name: 'deviceId', type: 'S', role: 'HASH' }],
      label: 'device-state',
      code: 'DEVICE_STATE_FAILED',
      activeTimeoutMs: this.activeTimeoutMs,
      clock: this.clock,
      timers: this.timers,
      logger: this.logger,
    });
    return outcome;
  }

  /**
   * Writes each device's newest state in `states`; resolves once every write is answered. Throws a
   * TelemetryConsumerError (retriable for throttling, server and network errors) if any write failed otherwise;
   * the others may have been written (each write stands alone and is idempotent).
   */
  async write(states: readonly DeviceState[]): Promise<DeviceStateWriteResult> {
    const items = latestPerDevice(states);
    const updatedAt = this.clock.now();
    const puts = await conditionalPuts(
      this.client,
      items.map((state) => ({
        TableName: this.tableName,
        Item: marshall({ ...state, updatedAt }, { removeUndefinedValues: true, convertEmptyValues: false }),
        ConditionExpression: 'attribute_not_exists(#id) OR #seq < :seq',
        ExpressionAttributeNames: { '#id': 'deviceId', '#seq': 'seq' },
        ExpressionAttributeValues: { ':seq': { N: String(state.seq) } },
      })),
      this.concurrency,
    );
    const result: DeviceStateWriteResult = { written: puts.written, stale: puts.refused };
    const { errors } = puts;
    this.totals.written += result.written;
    this.totals.stale += result.stale;
    if (errors.length > 0) throw writeFailure('DEVICE_STATE_FAILED', 'device-state', this.tableName, errors);
    return result;
  }
}
