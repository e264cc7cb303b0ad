/**
 * The dashboard's reads from DynamoDB, through the SDK v3 client only (standard AWS config, so the same code reads
 * the emulator and AWS), with the item layouts of @tributary/schemas' dashboard contract:
 *
 *   device state    Scan   one item per device (apps/telemetry-consumer's device-state sink)
 *   rollups         Query  deviceId = :id AND window BETWEEN (rollupWindowRange) — every metric, time order
 *   leases          Scan   one item per shard, KCL's attributes + millisBehindLatest/recordsProcessed/statsUpdatedAt
 *   camera health   Scan   one item per camera (apps/video-producer)
 *
 * Every read is bounded (page Limit and a page cap) so that a large table costs a fixed amount per poll; the
 * answer says `truncated` when the cap cut it. An item that does not match its schema is skipped and counted, not
 * a failed request: one bad writer must not blank the dashboard.
 */
import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DEVICE_ID_PATTERN,
  parseCameraHealthItem,
  parseLeaseItem,
  parseRollupItem,
  rollupWindowRange,
  ROLLUP_TABLE_KEYS,
  type CameraHealthItem,
  type LeaseItem,
  type RollupItem,
} from '@tributary/schemas';
import { z } from 'zod';
import { classifyDynamoDbError } from './dynamodb-errors';

export const DASHBOARD_READ_LIMITS = {
  /** Items per Scan/Query page. */
  pageSize: 250,
  /** Pages read per request at most: 1000 leases, 1000 rollup items (30 min × 33 metrics). */
  maxPages: 4,
  /**
   * Pages of the device-state and camera-health Scans at most: 10,000 devices or cameras, read once per cache
   * period for every viewer (each viewer gets one page of it, device-page.ts). On AWS a 10,000-item Scan (~2 MB)
   * costs ~250 read units (eventually consistent).
   */
  fleetMaxPages: 40,
} as const;

/**
 * A device's latest state as apps/telemetry-consumer writes it (DeviceStateSink): only what the dashboard shows is
 * required; the rest of the item is ignored.
 */
export const deviceStateItemSchema = z.object({
  deviceId: z.string().min(1).regex(DEVICE_ID_PATTERN),
  seq: z.number().int().nonnegative(),
  ts: z.number().int().nonnegative(),
  metrics: z.record(z.string(), z.number()),
  tags: z.record(z.string(), z.string()).optional(),
  location: z.object({ lat: z.number(), lon: z.number(), alt: z.number().optional() }).optional(),
  shardId: z.string().optional(),
  updatedAt: z.number().int().nonnegative().optional(),
});
export type DeviceStateItem = z.output<typeof deviceStateItemSchema>;

export interface TableRead<T> {
  items: T[];
  /** The page cap stopped the read before the table's end. */
  truncated: boolean;
  /** Items that did not match the contract's schema. */
  skipped: number;
}

export interface DashboardTablesOptions {
  client: DynamoDBClient;
  /** Per-call timeout (the SDK's abortSignal). */
  timeoutMs: number;
  pageSize?: number;
  maxPages?: number;
  fleetMaxPages?: number;
}

type Parse<T> = (value: unknown) => { ok: true; value: T } | { ok: false };

const parseDeviceState: Parse<DeviceStateItem> = (value) => {
  const parsed = deviceStateItemSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
};

export class DashboardTables {
  private readonly client: DynamoDBClient;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly fleetMaxPages: number;

  constructor(options: DashboardTablesOptions) {
    this.client = options.client;
    this.timeoutMs = options.timeoutMs;
    this.pageSize = options.pageSize ?? DASHBOARD_READ_LIMITS.pageSize;
    this.maxPages = options.maxPages ?? DASHBOARD_READ_LIMITS.maxPages;
    this.fleetMaxPages = options.fleetMaxPages ?? DASHBOARD_READ_LIMITS.fleetMaxPages;
  }

  async devices(table: string): Promise<TableRead<DeviceStateItem>> {
    const read = await this.scan(table, parseDeviceState, this.fleetMaxPages);
    read.items.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    return read;
  }

  async leases(table: string): Promise<TableRead<LeaseItem>> {
    const read = await this.scan(table, parseLeaseItem);
    read.items.sort((a, b) => a.leaseKey.localeCompare(b.leaseKey));
    return read;
  }

  async cameraHealth(table: string): Promise<TableRead<CameraHealthItem>> {
    return this.scan(table, parseCameraHealthItem, this.fleetMaxPages);
  }

  /** Every metric of `deviceId`'s windows starting in [fromMs, toMs], oldest first. */
  async rollups(table: string, deviceId: string, fromMs: number, toMs: number): Promise<TableRead<RollupItem>> {
    const { lower, upper } = rollupWindowRange(fromMs, toMs);
    return this.paged(table, 'Query', parseRollupItem, this.maxPages, (ExclusiveStartKey) =>
      this.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#d = :d AND #w BETWEEN :lower AND :upper',
          ExpressionAttributeNames: { '#d': ROLLUP_TABLE_KEYS.hash, '#w': ROLLUP_TABLE_KEYS.range },
          ExpressionAttributeValues: { ':d': { S: deviceId }, ':lower': { S: lower }, ':upper': { S: upper } },
          Limit: this.pageSize,
          ExclusiveStartKey,
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      ),
    );
  }

  private scan<T>(table: string, parse: Parse<T>, maxPages = this.maxPages): Promise<TableRead<T>> {
    return this.paged(table, 'Scan', parse, maxPages, (ExclusiveStartKey) =>
      this.client.send(new ScanCommand({ TableName: table, Limit: this.pageSize, ExclusiveStartKey }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      }),
    );
  }

  private async paged<T>(
    table: string,
    operation: string,
    parse: Parse<T>,
    maxPages: number,
    page: (start: Record<string, AttributeValue> | undefined) => Promise<{ Items?: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue> }>,
  ): Promise<TableRead<T>> {
    const out: TableRead<T> = { items: [], truncated: false, skipped: 0 };
    let start: Record<string, AttributeValue> | undefined;
    try {
      for (let pages = 0; ; pages++) {
        if (pages === maxPages) {
          out.truncated = true;
          break;
        }
        const answer = await page(start);
        for (const raw of answer.Items ?? []) {
          const parsed = parse(unmarshall(raw, { wrapNumbers: false }));
          if (parsed.ok) out.items.push(parsed.value);
          else out.skipped++;
        }
        start = answer.LastEvaluatedKey;
        if (!start) break;
      }
    } catch (err) {
      throw classifyDynamoDbError(err, operation, table);
    }
    return out;
  }
}
