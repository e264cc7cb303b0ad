/**
 * The DynamoDB items the dashboard reads, as one contract between their writers (apps/telemetry-consumer,
 * libs/kinesis-consumer, apps/video-producer) and their reader (apps/playback-gateway): zod schemas of the items
 * as plain objects (what `unmarshall` from @aws-sdk/util-dynamodb returns; this lib does no I/O), their types,
 * the default table names, and the key helpers.
 *
 * 1. Rollup table (`telemetry-rollups`): hash `deviceId` (S), range `window` (S) = `<windowStart, 13 digits>#<metric>`.
 *    Zero-padded epoch ms sort as strings in time order until the year 2286, so one Query per device and time range
 *    returns every metric of every minute in order (`rollupWindowRange`). `expiresAt` (epoch s) is the TTL.
 * 2. Lease items (the consumer's lease table, KCL's layout): three attributes of ours beside KCL's, written on every
 *    renewal: `millisBehindLatest`, `recordsProcessed` (while the current owner holds it), `statsUpdatedAt`. KCL
 *    ignores attributes it does not know; a KCL-written item simply lacks them (all optional here).
 * 3. Camera health table (`video-camera-health`): hash `streamName` (S), one item per camera, replaced every
 *    interval by the producer.
 */
import { z } from 'zod';
import { toValidationIssues, type ParseResult } from '../validation-issues';

export const DASHBOARD_TABLE_DEFAULTS = {
  /** apps/telemetry-consumer `--rollup-table`. */
  rollups: 'telemetry-rollups',
  /** apps/video-producer `--health-table`. */
  cameraHealth: 'video-camera-health',
  /** apps/telemetry-consumer `--state-table`. */
  deviceState: 'telemetry-device-state',
  /** The lease table is named after the consumer's application name (as in KCL); apps/telemetry-consumer's default. */
  leases: 'telemetry-consumer',
} as const;

export const DASHBOARD_ITEM_DEFAULTS = {
  /** How long a rollup item lives after its window ended (DynamoDB TTL, `expiresAt`). */
  rollupTtlSeconds: 7 * 24 * 3_600,
  /** How often the producer replaces a camera's health item. */
  cameraHealthIntervalMs: 5_000,
} as const;

export const ROLLUP_TABLE_KEYS = { hash: 'deviceId', range: 'window' } as const;
export const CAMERA_HEALTH_TABLE_KEYS = { hash: 'streamName' } as const;

/** Digits of the zero-padded window start: epoch ms stay 13 digits until 2286-11-20. */
const WINDOW_START_DIGITS = 13;
const MAX_WINDOW_START = 10 ** WINDOW_START_DIGITS - 1;
const WINDOW_KEY = /^(\d{13})#(.+)$/s;

function padWindowStart(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_WINDOW_START) {
    throw new RangeError(`window start must be an integer epoch ms between 0 and ${MAX_WINDOW_START} (got ${ms})`);
  }
  return String(ms).padStart(WINDOW_START_DIGITS, '0');
}

/** The range key of a rollup item: `0001733356800000#temp`. */
export function rollupWindowKey(windowStart: number, metric: string): string {
  if (metric === '') throw new RangeError('metric must not be empty');
  return `${padWindowStart(windowStart)}#${metric}`;
}

/** The parts of a range key; undefined when `key` is not one. */
export function parseRollupWindowKey(key: string): { windowStart: number; metric: string } | undefined {
  const m = WINDOW_KEY.exec(key);
  return m ? { windowStart: Number(m[1]), metric: m[2] } : undefined;
}

/**
 * Bounds for `#window BETWEEN :lower AND :upper` selecting every metric of the windows starting in
 * [fromMs, toMs]. `$` sorts right after `#`, so the upper bound is above every key of the `toMs` window and below
 * every later window's.
 */
export function rollupWindowRange(fromMs: number, toMs: number): { lower: string; upper: string } {
  if (toMs < fromMs) throw new RangeError(`rollup range ends (${toMs}) before it starts (${fromMs})`);
  return { lower: padWindowStart(fromMs), upper: `${padWindowStart(toMs)}$` };
}

const epochMs = z.number().int().nonnegative();
const finite = z.number().finite();

export const ROLLUP_CLOSE_REASONS = ['watermark', 'idle', 'lease-lost', 'shutdown'] as const;

export const rollupItemSchema = z
  .object({
    deviceId: z.string().min(1),
    window: z.string().regex(WINDOW_KEY, { error: 'expected <13-digit window start>#<metric>' }),
    metric: z.string().min(1),
    windowStart: epochMs,
    windowEnd: epochMs,
    count: z.number().int().positive(),
    sum: finite,
    min: finite,
    max: finite,
    mean: finite,
    closedBy: z.enum(ROLLUP_CLOSE_REASONS),
    /** Epoch seconds: DynamoDB TTL deletes the item after this (within a few days; readers filter by it). */
    expiresAt: z.number().int().positive(),
  })
  .refine((item) => {
    const key = parseRollupWindowKey(item.window);
    return key !== undefined && key.windowStart === item.windowStart && key.metric === item.metric;
  }, {
    error: 'window must be rollupWindowKey(windowStart, metric)',
    path: ['window'],
  })
  .refine((item) => item.windowEnd > item.windowStart, { error: 'windowEnd must be after windowStart', path: ['windowEnd'] });

export type RollupItem = z.output<typeof rollupItemSchema>;

/** What a closed rollup carries (apps/telemetry-consumer ClosedRollup has this shape). */
export type RollupItemSource = Omit<RollupItem, 'window' | 'expiresAt'>;

/** The item of a closed rollup; it expires `ttlSeconds` after its window ended. */
export function toRollupItem(rollup: RollupItemSource, ttlSeconds: number = DASHBOARD_ITEM_DEFAULTS.rollupTtlSeconds): RollupItem {
  return {
    deviceId: rollup.deviceId,
    window: rollupWindowKey(rollup.windowStart, rollup.metric),
    metric: rollup.metric,
    windowStart: rollup.windowStart,
    windowEnd: rollup.windowEnd,
    count: rollup.count,
    sum: rollup.sum,
    min: rollup.min,
    max: rollup.max,
    mean: rollup.mean,
    closedBy: rollup.closedBy,
    expiresAt: Math.ceil(rollup.windowEnd / 1000) + ttlSeconds,
  };
}

/** Attribute names of the consumer progress on lease items (libs/kinesis-consumer writes them on renewal). */
export const LEASE_PROGRESS_ATTRIBUTES = {
  millisBehindLatest: 'millisBehindLatest',
  recordsProcessed: 'recordsProcessed',
  statsUpdatedAt: 'statsUpdatedAt',
} as const;

export const leaseProgressSchema = z.object({
  /** From the owner's latest GetRecords / SubscribeToShard event; absent before its first read. */
  millisBehindLatest: z.number().int().nonnegative().optional(),
  /** Records handled since the current owner took the lease. */
  recordsProcessed: z.number().int().nonnegative().optional(),
  /** When the owner last wrote these, epoch ms. */
  statsUpdatedAt: epochMs.optional(),
});

export type LeaseProgress = z.output<typeof leaseProgressSchema>;

/** A lease item as the dashboard reads it: KCL's attributes it shows, and the progress (absent on KCL's items). */
export const leaseItemSchema = leaseProgressSchema.extend({
  leaseKey: z.string().min(1),
  leaseOwner: z.string().min(1).optional(),
  leaseCounter: z.number().int().nonnegative(),
  /** A sequence number, or TRIM_HORIZON | LATEST | SHARD_END | AT_TIMESTAMP. */
  checkpoint: z.string().min(1),
  checkpointSubSequenceNumber: z.number().int().nonnegative().optional(),
  ownerSwitchesSinceCheckpoint: z.number().int().nonnegative().optional(),
});

export type LeaseItem = z.output<typeof leaseItemSchema>;

export const CAMERA_STATES = ['streaming', 'reconnecting', 'buffering', 'stopped'] as const;
export type CameraState = (typeof CAMERA_STATES)[number];

const nonNegative = z.number().finite().nonnegative();

export const cameraHealthItemSchema = z.object({
  streamName: z.string().min(1),
  /** Which producer (host) writes the camera. */
  producerId: z.string().min(1),
  /**
   * streaming: fragments are being persisted; buffering: connected, fragments sent but none persisted in the
   * interval (or a backlog is being resent); reconnecting: no PutMedia connection, a retry is pending;
   * stopped: capture or session ended.
   */
  state: z.enum(CAMERA_STATES),
  /** PERSISTED acks since the producer started. */
  fragmentsAcked: z.number().int().nonnegative(),
  /** PERSISTED acks per second over the last interval. */
  fragmentsPerSecond: nonNegative,
  /** Bytes sent over the last interval, kbit/s. */
  bitrateKbps: nonNegative,
  /** PERSISTED ack − fragment written to the connection, over the last interval; absent when nothing was acked. */
  ackLatencyP50Ms: nonNegative.optional(),
  ackLatencyP99Ms: nonNegative.optional(),
  /** Producer timestamp (timecode, epoch ms) of the newest fragment cut. */
  lastFragmentAt: epochMs.optional(),
  /** When the newest PERSISTED ack arrived, epoch ms. */
  lastAckAt: epochMs.optional(),
  /** Fragments in the on-disk spool (not yet PERSISTED). */
  spooledFragments: z.number().int().nonnegative(),
  /** Local recording (video-producer `--record`); the four fields below come with it. Absent: not recording. */
  recording: z.enum(['recording', 'stopped']).optional(),
  /** Recorded fragments not uploaded yet, their bytes, and the capture age of the oldest, seconds. */
  backlogFragments: z.number().int().nonnegative().optional(),
  backlogBytes: z.number().int().nonnegative().optional(),
  backlogAgeSeconds: nonNegative.optional(),
  /** Upload rate (live and backlog) over the last 10 s, bytes/s. */
  uploadBytesPerSecond: nonNegative.optional(),
  /** The reporting interval: an item older than a few of these is stale (the producer is gone). */
  intervalMs: z.number().int().positive(),
  updatedAt: epochMs,
});

export type CameraHealthItem = z.output<typeof cameraHealthItemSchema>;

function parseWith<T>(schema: z.ZodType<T>, value: unknown): ParseResult<T> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: toValidationIssues(parsed.error.issues) };
}

/** Validates an unmarshalled rollup item. */
export const parseRollupItem = (value: unknown): ParseResult<RollupItem> => parseWith(rollupItemSchema, value);
/** Validates an unmarshalled lease item (KCL's, or ours with progress). */
export const parseLeaseItem = (value: unknown): ParseResult<LeaseItem> => parseWith(leaseItemSchema, value);
/** Validates an unmarshalled camera-health item. */
export const parseCameraHealthItem = (value: unknown): ParseResult<CameraHealthItem> => parseWith(cameraHealthItemSchema, value);
