/**
 * Closed minute rollups in a DynamoDB table, for the dashboard's charts: one item per (device, metric, minute),
 * hash `deviceId`, range `window` = `<windowStart, 13 digits>#<metric>` (the layout and its zod schema are
 * @tributary/schemas dashboard-items.ts), so one Query per device and time range returns every metric in time
 * order. `expiresAt` (epoch s, window end + TTL) lets DynamoDB TTL delete old minutes.
 *
 * Why PutItem with bounded concurrency, not BatchWriteItem: one minute can be closed twice (minute-rollup.ts:
 * `lease-lost` on the old owner, the rest of the minute on the new one), and both parts have the same key.
 * BatchWriteItem cannot be conditional, so the later part would replace the earlier one whatever their sizes.
 * A conditional PutItem `attribute_not_exists(window) OR count <= :count` keeps the fuller part (the file rollups
 * keep both rows, to be merged downstream), and a retried write of the same rollup passes the condition (equal
 * count), so retries stay idempotent. The volume is small (devices × metrics per minute), well within a few
 * PutItem calls in flight; the SDK retries throttling itself, and a write that still fails makes the batch fail
 * (the handler keeps the rollups and writes them first next time).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DASHBOARD_ITEM_DEFAULTS, ROLLUP_TABLE_KEYS, toRollupItem } from '@tributary/schemas';
import { noopLogger, type Logger } from '../logger';
import type { ClosedRollup } from '../rollups/minute-rollup';
import { systemClock, systemTimers, type Clock, type Timers } from '../time';
import { conditionalPuts, ensureTable, writeFailure, type EnsureTableResult } from './dynamo-table';

export const ROLLUP_TABLE_DEFAULTS = {
  /** PutItem calls in flight at once. */
  concurrency: 16,
  ttlSeconds: DASHBOARD_ITEM_DEFAULTS.rollupTtlSeconds,
  activeTimeoutMs: 60_000,
} as const;

export interface RollupTableSinkOptions {
  client: DynamoDBClient;
  tableName: string;
  /** How long an item lives after its window ended. */
  ttlSeconds?: number;
  concurrency?: number;
  activeTimeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
  /** Called after every write call with what it wrote (metrics). */
  onWritten?: (result: RollupTableWriteResult) => void;
}

export interface RollupTableWriteResult {
  written: number;
  /** Refused because the table holds a fuller part of the same minute (see the file header). */
  superseded: number;
}

export class RollupTableSink {
  readonly tableName: string;
  readonly ttlSeconds: number;
  private readonly client: DynamoDBClient;
  private readonly concurrency: number;
  private readonly activeTimeoutMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly onWritten: ((result: RollupTableWriteResult) => void) | undefined;
  private readonly totals: RollupTableWriteResult = { written: 0, superseded: 0 };

  constructor(options: RollupTableSinkOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.ttlSeconds = options.ttlSeconds ?? ROLLUP_TABLE_DEFAULTS.ttlSeconds;
    this.concurrency = options.concurrency ?? ROLLUP_TABLE_DEFAULTS.concurrency;
    this.activeTimeoutMs = options.activeTimeoutMs ?? ROLLUP_TABLE_DEFAULTS.activeTimeoutMs;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? noopLogger;
    this.onWritten = options.onWritten;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError(`RollupTableSink: concurrency must be a positive integer (got ${this.concurrency})`);
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) throw new RangeError(`RollupTableSink: ttlSeconds must be a positive integer (got ${this.ttlSeconds})`);
  }

  stats(): RollupTableWriteResult {
    return { ...this.totals };
  }

  /** Creates the table if missing (with TTL on `expiresAt` where supported) and waits until it is ACTIVE. */
  ensureTable(): Promise<EnsureTableResult> {
    return ensureTable({
      client: this.client,
      tableName: this.tableName,
      keys: [
        { name: ROLLUP_TABLE_KEYS.hash, type: 'S', role: 'HASH' },
        { name: ROLLUP_TABLE_KEYS.range, type: 'S', role: 'RANGE' },
      ],
      label: 'rollup',
      code: 'ROLLUP_TABLE_FAILED',
      ttlAttribute: 'expiresAt',
      activeTimeoutMs: this.activeTimeoutMs,
      clock: this.clock,
      timers: this.timers,
      logger: this.logger,
    });
  }

  /**
   * Writes one item per rollup; resolves once every write is answered. Throws a TelemetryConsumerError
   * (retriable for throttling, server and network errors) if any failed; the others are written (each is
   * idempotent), so writing the whole list again is safe.
   */
  async write(rollups: readonly ClosedRollup[]): Promise<RollupTableWriteResult> {
    const items = rollups.map((r) => toRollupItem(r, this.ttlSeconds));
    const puts = await conditionalPuts(
      this.client,
      items.map((item) => ({
        TableName: this.tableName,
        Item: marshall(item),
        ConditionExpression: 'attribute_not_exists(#w) OR #count <= :count',
        ExpressionAttributeNames: { '#w': ROLLUP_TABLE_KEYS.range, '#count': 'count' },
        ExpressionAttributeValues: { ':count': { N: String(item.count) } },
      })),
      this.concurrency,
    );
    const result: RollupTableWriteResult = { written: puts.written, superseded: puts.refused };
    const { errors } = puts;
    this.totals.written += result.written;
    this.totals.superseded += result.superseded;
    this.onWritten?.(result);
    if (result.superseded > 0) this.logger.debug({ superseded: result.superseded }, 'rollup parts smaller than the stored part of the same minute were not written');
    if (errors.length > 0) throw writeFailure('ROLLUP_TABLE_FAILED', 'rollup', this.tableName, errors);
    return result;
  }
}
