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
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { noopLogger, type Logger } from '../logger';
import { TelemetryConsumerError } from '../telemetry-consumer-error';
import { sleep, systemClock, systemTimers, type Clock, type Timers } from '../time';

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

/** AWS error names after which a later attempt may succeed (besides server faults and network errors). */
const RETRIABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
  'TransactionConflictException',
  'ResourceNotFoundException', // the table was deleted and may be recreated; a retry of the batch will tell
  'TimeoutError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

export function isRetriableAwsError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as { name?: string; code?: string; $fault?: string; $retryable?: unknown };
  return e.$fault === 'server' || e.$retryable !== undefined || RETRIABLE_ERRORS.has(e.name ?? '') || NETWORK_CODES.has(e.code ?? '');
}

const nameOf = (err: unknown): string => (err !== null && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : '');

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
    let table = await this.describe();
    let outcome: 'exists' | 'created' = 'exists';
    if (!table) {
      this.logger.info({ table: this.tableName }, 'creating the device-state table');
      try {
        await this.client.send(
          new CreateTableCommand({
            TableName: this.tableName,
            AttributeDefinitions: [{ AttributeName: 'deviceId', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        outcome = 'created';
      } catch (err) {
        // Another worker created it first: fine, wait for it like for ours.
        if (nameOf(err) !== 'ResourceInUseException') throw this.failure('create', err);
      }
      table = await this.describe();
    }
    const deadline = this.clock.now() + this.activeTimeoutMs;
    let delay = 50;
    while (table?.TableStatus !== 'ACTIVE') {
      if (this.clock.now() >= deadline) {
        throw new TelemetryConsumerError(
          'DEVICE_STATE_FAILED',
          `device-state table ${this.tableName} is not ACTIVE after ${this.activeTimeoutMs} ms (status ${table?.TableStatus ?? 'missing'})`,
          true,
        );
      }
      await sleep(this.timers, delay);
      delay = Math.min(delay * 2, 1_000);
      table = await this.describe();
    }
    const key = table.KeySchema ?? [];
    const attribute = table.AttributeDefinitions?.find((a) => a.AttributeName === 'deviceId');
    if (key.length !== 1 || key[0].AttributeName !== 'deviceId' || key[0].KeyType !== 'HASH' || attribute?.AttributeType !== 'S') {
      throw new TelemetryConsumerError(
        'DEVICE_STATE_FAILED',
        `table ${this.tableName} exists with another key schema (${JSON.stringify(key)}); the device-state table needs the hash key deviceId (S) alone`,
        false,
      );
    }
    return outcome;
  }

  /**
   * Writes each device's newest state in `states`; resolves once every write is answered. Throws a
   * TelemetryConsumerError (retriable for throttling, server and network errors) if any write failed otherwise;
   * the others may have been written (each write stands alone and is idempotent).
   */
  async write(states: readonly DeviceState[]): Promise<DeviceStateWriteResult> {
    const items = latestPerDevice(states);
    const result: DeviceStateWriteResult = { written: 0, stale: 0 };
    const errors: unknown[] = [];
    let next = 0;
    const updatedAt = this.clock.now();
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const state = items[next++];
        try {
          await this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: marshall({ ...state, updatedAt }, { removeUndefinedValues: true, convertEmptyValues: false }),
              ConditionExpression: 'attribute_not_exists(#id) OR #seq < :seq',
              ExpressionAttributeNames: { '#id': 'deviceId', '#seq': 'seq' },
              ExpressionAttributeValues: { ':seq': { N: String(state.seq) } },
            }),
          );
          result.written++;
        } catch (err) {
          if (nameOf(err) === 'ConditionalCheckFailedException') result.stale++;
          else errors.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    this.totals.written += result.written;
    this.totals.stale += result.stale;
    if (errors.length > 0) throw this.failure('write', errors[0], errors.length);
    return result;
  }

  private async describe(): Promise<TableDescription | undefined> {
    try {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return out.Table;
    } catch (err) {
      if (nameOf(err) === 'ResourceNotFoundException') return undefined;
      throw this.failure('describe', err);
    }
  }

  private failure(operation: 'create' | 'describe' | 'write', err: unknown, count = 1): TelemetryConsumerError {
    const what = operation === 'write' ? `${count} device-state write(s) to ${this.tableName} failed` : `could not ${operation} the device-state table ${this.tableName}`;
    return new TelemetryConsumerError('DEVICE_STATE_FAILED', `${what}: ${nameOf(err) || 'Error'}: ${(err as Error).message}`, isRetriableAwsError(err), { cause: err });
  }
}
