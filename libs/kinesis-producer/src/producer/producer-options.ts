/**
 * The producer's options, their validation (once, in the constructor; the error names the setting) and the
 * resolved form the rest of the code reads. Libraries never read process.env: the SDK client does its own
 * configuration (region, credentials, AWS_ENDPOINT_URL) when the default client is used.
 */
import type { ListShardsCommand, ListShardsCommandOutput, PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { Clock, Logger, Timers } from '@tributary/runtime';
import { z } from 'zod';
import { KINESIS_LIMITS, PRODUCER_DEFAULTS } from '../defaults';
import type { DefaultClientOptions } from '../dispatch/kinesis-client-factory';
import { ProducerError } from '../errors';
import type { FailedRecord } from './producer-types';

/**
 * The two calls the producer makes. `KinesisClient` from @aws-sdk/client-kinesis satisfies it; tests may pass a
 * fake. `abortSignal` carries the producer's request timeout.
 */
export interface KinesisClientLike {
  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput>;
  send(command: ListShardsCommand, options?: { abortSignal?: AbortSignal }): Promise<ListShardsCommandOutput>;
}

// The injected seams (conventions.md §11, §12) are @tributary/runtime's, shared with the other transports.
export { noopLogger, systemTimers, type Logger, type Clock, type Timers } from '@tributary/runtime';

export interface KinesisProducerOptions {
  /** The stream, by name or ARN (one of the two). */
  streamName?: string;
  streamArn?: string;
  /**
   * The client to call Kinesis with. When absent, the producer builds one from `clientOptions` with a keep-alive
   * HTTP/1.1 handler (see README, "HTTP") and destroys it on close(). A client you pass should have
   * `maxAttempts: 1`: the producer retries per record; SDK retries of a whole call would add to that.
   */
  client?: KinesisClientLike;
  clientOptions?: DefaultClientOptions;
  /** KPL aggregation (default true). */
  aggregation?: boolean;
  /** Largest aggregated Kinesis record, data + 1-byte partition key (default 51,200). */
  aggregationMaxBytes?: number;
  /** Linger: the longest a record waits for company before it is sent (default 100 ms). */
  maxBufferedTimeMs?: number;
  /** Entries per PutRecords (default and maximum 500). */
  collectionMaxCount?: number;
  /** Bytes per PutRecords, data + partition keys (default and maximum 5 MiB). */
  collectionMaxBytes?: number;
  /** A record not acknowledged this long after put() fails with RECORD_EXPIRED (default 30,000 ms). */
  recordTtlMs?: number;
  /** Buffer bounds: put() waits while they are reached (defaults 100,000 records, 64 MiB). */
  maxBufferedRecords?: number;
  maxBufferedBytes?: number;
  /** PutRecords calls in flight at once (default 24). */
  maxConcurrentRequests?: number;
  /** A call not answered within this is aborted and its records retried (default 10,000 ms). */
  requestTimeoutMs?: number;
  /** Never reorder the records of one partition key (default false; see README for the guarantee and its cost). */
  ordered?: boolean;
  /**
   * Ordered mode only: when a record expires, the records queued behind it on its shard expire with it, and a
   * shard's expiry waits for its call in flight (default false). A later record of a key then never goes out ahead
   * of an expired one: what the durable buffer needs, which spills expired records and sends them again (README,
   * "Durable buffer").
   */
  expireBehind?: boolean;
  /** At most one summary log line about failing deliveries per this many ms (default 10,000). */
  logSummaryIntervalMs?: number;
  /** Pace each shard at this percentage of its write limits (default 100). */
  rateLimitPercent?: number;
  /** The shard write limits (default 1,000 records/s and 1 MiB/s, AWS's). */
  shardLimits?: { recordsPerSecond?: number; bytesPerSecond?: number };
  /** Largest user record, data + partition key (default 1 MiB; raise for streams with a larger MaxRecordSize). */
  maxRecordBytes?: number;
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  throttling?: { decreaseFactor?: number; recoveryPerSecond?: number; minRateFactor?: number };
  shardMap?: { minIntervalMs?: number; maxAgeMs?: number };
  /**
   * An aggregate built for a shard that was split before it arrived can land on a child that does not own all of
   * its records; a KCL drops such an aggregate whole. 'report' (default): the records count as delivered (they
   * are stored: non-KCL readers see them) and a 'misplaced-aggregate' event and a warning say so. 'resend': such
   * records are sent again once the new shard map is known, so that KCL consumers get them exactly once (readers
   * that do not drop misplaced aggregates then see them twice). See README, "Resharding".
   */
  misplacedAggregates?: 'report' | 'resend';
  /**
   * The dead-letter hook: called with every record that failed for good (expired or rejected), with its data.
   * When set, failures count as handled: put() promises still reject, but an unobserved rejection does not
   * crash the process. A returned promise is awaited by close().
   */
  onFailure?: (failures: readonly FailedRecord[]) => void | Promise<void>;
  logger?: Logger;
  clock?: Clock;
  timers?: Timers;
  /** Uniform in [0, 1), for backoff jitter. */
  random?: () => number;
  /** Memo size of partition key → hash key (default 10,000). */
  hashKeyCacheSize?: number;
}

const positiveInt = z.number().int().positive();
const nonNegative = z.number().min(0);

/** The numeric and boolean options, as a schema (functions and objects are checked by hand below). */
const optionsSchema = z.object({
  streamName: z.string().min(1).max(128).regex(/^[a-zA-Z0-9_.-]+$/).optional(),
  streamArn: z.string().regex(/^arn:aws.*:kinesis:.*:\d{12}:stream\/\S+$/).optional(),
  aggregation: z.boolean().optional(),
  aggregationMaxBytes: positiveInt.min(64).max(10 * 1024 * 1024).optional(),
  maxBufferedTimeMs: nonNegative.max(3_600_000).optional(),
  collectionMaxCount: positiveInt.max(KINESIS_LIMITS.putRecordsMaxCount).optional(),
  collectionMaxBytes: positiveInt.max(KINESIS_LIMITS.putRecordsMaxBytes).optional(),
  recordTtlMs: z.number().positive().optional(),
  maxBufferedRecords: positiveInt.optional(),
  maxBufferedBytes: positiveInt.optional(),
  maxConcurrentRequests: positiveInt.max(10_000).optional(),
  requestTimeoutMs: z.number().positive().optional(),
  ordered: z.boolean().optional(),
  expireBehind: z.boolean().optional(),
  logSummaryIntervalMs: z.number().int().min(0).max(86_400_000).optional(),
  rateLimitPercent: z.number().positive().max(10_000).optional(),
  shardLimits: z.object({ recordsPerSecond: z.number().positive().optional(), bytesPerSecond: z.number().positive().optional() }).strict().optional(),
  maxRecordBytes: positiveInt.max(10 * 1024 * 1024).optional(),
  retry: z.object({ baseDelayMs: nonNegative.optional(), maxDelayMs: nonNegative.optional() }).strict().optional(),
  throttling: z
    .object({
      decreaseFactor: z.number().gt(0).max(1).optional(),
      recoveryPerSecond: z.number().positive().optional(),
      minRateFactor: z.number().gt(0).max(1).optional(),
    })
    .strict()
    .optional(),
  shardMap: z.object({ minIntervalMs: nonNegative.optional(), maxAgeMs: nonNegative.optional() }).strict().optional(),
  hashKeyCacheSize: positiveInt.min(2).optional(),
  misplacedAggregates: z.enum(['report', 'resend']).optional(),
});

export interface ResolvedOptions {
  streamName: string;
  streamArn?: string;
  aggregation: boolean;
  aggregationMaxBytes: number;
  maxBufferedTimeMs: number;
  collectionMaxCount: number;
  collectionMaxBytes: number;
  recordTtlMs: number;
  maxBufferedRecords: number;
  maxBufferedBytes: number;
  maxConcurrentRequests: number;
  requestTimeoutMs: number;
  ordered: boolean;
  expireBehind: boolean;
  logSummaryIntervalMs: number;
  shardRecordsPerSecond: number;
  shardBytesPerSecond: number;
  maxRecordBytes: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  throttleDecreaseFactor: number;
  throttleRecoveryPerSecond: number;
  throttleMinRateFactor: number;
  shardMapMinIntervalMs: number;
  shardMapMaxAgeMs: number;
  hashKeyCacheSize: number;
  misplacedAggregates: 'report' | 'resend';
}

function invalid(setting: string, why: string): ProducerError {
  return new ProducerError('INVALID_OPTION', `Invalid producer option ${setting}: ${why}`, false);
}

/** Every option name: an unknown one (a typo such as `maxBufferedTime`) is refused rather than ignored. */
const KNOWN_OPTIONS = new Set<string>([
  ...Object.keys(optionsSchema.shape),
  'client',
  'clientOptions',
  'onFailure',
  'logger',
  'clock',
  'timers',
  'random',
]);

export function resolveOptions(options: KinesisProducerOptions): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw invalid(key, 'unknown option.');
  }
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue.path.join('.') || '(options)', issue.message);
  }
  if (!options.streamName && !options.streamArn) throw invalid('streamName', 'one of streamName or streamArn is required.');
  for (const fn of ['onFailure', 'random'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') throw invalid(fn, 'must be a function.');
  }
  if (options.client !== undefined && typeof (options.client as { send?: unknown }).send !== 'function') {
    throw invalid('client', 'must have a send(command) method (a KinesisClient).');
  }
  if (options.clock !== undefined && typeof options.clock.now !== 'function') throw invalid('clock', 'must have now().');
  if (options.timers !== undefined && (typeof options.timers.setTimeout !== 'function' || typeof options.timers.clearTimeout !== 'function')) {
    throw invalid('timers', 'must have setTimeout and clearTimeout.');
  }
  const d = PRODUCER_DEFAULTS;
  const rate = (options.rateLimitPercent ?? d.rateLimitPercent) / 100;
  const resolved: ResolvedOptions = {
    // The name is what events and errors show; an ARN's last path segment is the stream name.
    streamName: options.streamName ?? (options.streamArn as string).slice((options.streamArn as string).indexOf(':stream/') + 8),
    ...(options.streamArn ? { streamArn: options.streamArn } : {}),
    aggregation: options.aggregation ?? d.aggregation,
    aggregationMaxBytes: options.aggregationMaxBytes ?? d.aggregationMaxBytes,
    maxBufferedTimeMs: options.maxBufferedTimeMs ?? d.maxBufferedTimeMs,
    collectionMaxCount: options.collectionMaxCount ?? d.collectionMaxCount,
    collectionMaxBytes: options.collectionMaxBytes ?? d.collectionMaxBytes,
    recordTtlMs: options.recordTtlMs ?? d.recordTtlMs,
    maxBufferedRecords: options.maxBufferedRecords ?? d.maxBufferedRecords,
    maxBufferedBytes: options.maxBufferedBytes ?? d.maxBufferedBytes,
    maxConcurrentRequests: options.maxConcurrentRequests ?? d.maxConcurrentRequests,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    ordered: options.ordered ?? d.ordered,
    expireBehind: options.expireBehind ?? false,
    logSummaryIntervalMs: options.logSummaryIntervalMs ?? d.logSummaryIntervalMs,
    shardRecordsPerSecond: (options.shardLimits?.recordsPerSecond ?? KINESIS_LIMITS.shardRecordsPerSecond) * rate,
    shardBytesPerSecond: (options.shardLimits?.bytesPerSecond ?? KINESIS_LIMITS.shardBytesPerSecond) * rate,
    maxRecordBytes: options.maxRecordBytes ?? KINESIS_LIMITS.recordMaxBytes,
    retryBaseDelayMs: options.retry?.baseDelayMs ?? d.retryBaseDelayMs,
    retryMaxDelayMs: options.retry?.maxDelayMs ?? d.retryMaxDelayMs,
    throttleDecreaseFactor: options.throttling?.decreaseFactor ?? d.throttleDecreaseFactor,
    throttleRecoveryPerSecond: options.throttling?.recoveryPerSecond ?? d.throttleRecoveryPerSecond,
    throttleMinRateFactor: options.throttling?.minRateFactor ?? d.throttleMinRateFactor,
    shardMapMinIntervalMs: options.shardMap?.minIntervalMs ?? d.shardMapMinIntervalMs,
    shardMapMaxAgeMs: options.shardMap?.maxAgeMs ?? d.shardMapMaxAgeMs,
    hashKeyCacheSize: options.hashKeyCacheSize ?? d.hashKeyCacheSize,
    misplacedAggregates: options.misplacedAggregates ?? d.misplacedAggregates,
  };
  if (resolved.expireBehind && !resolved.ordered) throw invalid('expireBehind', 'needs ordered: true.');
  if (resolved.retryMaxDelayMs < resolved.retryBaseDelayMs) throw invalid('retry.maxDelayMs', 'must be >= retry.baseDelayMs.');
  if (resolved.maxRecordBytes > resolved.collectionMaxBytes) throw invalid('maxRecordBytes', 'must be <= collectionMaxBytes.');
  if (resolved.aggregationMaxBytes > resolved.maxRecordBytes) throw invalid('aggregationMaxBytes', 'must be <= maxRecordBytes.');
  return resolved;
}
