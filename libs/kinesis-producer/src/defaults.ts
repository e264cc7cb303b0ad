/**
 * Every default of the producer in one place. KPL figures are from its config.proto /
 * default_config.properties (kds-reference.md §3.7); Kinesis limits from the API reference (§1.2, §1.4).
 */
export const KINESIS_LIMITS = {
  /** PutRecords: at most 500 entries and 5 MiB (data + partition keys) per call. */
  putRecordsMaxCount: 500,
  putRecordsMaxBytes: 5 * 1024 * 1024,
  /** Per record: data + partition key ≤ 1 MiB by default (streams can be raised to 10 MiB since 2025). */
  recordMaxBytes: 1024 * 1024,
  /** Per shard, writes: 1,000 records/s and 1 MiB/s. */
  shardRecordsPerSecond: 1000,
  shardBytesPerSecond: 1024 * 1024,
} as const;

export const PRODUCER_DEFAULTS = {
  /** KPL AggregationEnabled. */
  aggregation: true,
  /** KPL AggregationMaxSize: 51,200 bytes per aggregated Kinesis record (data + the 1-byte partition key "a"). */
  aggregationMaxBytes: 51_200,
  /** KPL RecordMaxBufferedTime: how long a record may wait for company before it is sent. */
  maxBufferedTimeMs: 100,
  /** KPL CollectionMaxCount / CollectionMaxSize: the PutRecords limits. */
  collectionMaxCount: KINESIS_LIMITS.putRecordsMaxCount,
  collectionMaxBytes: KINESIS_LIMITS.putRecordsMaxBytes,
  /** KPL RecordTtl: a record not acknowledged within 30 s is reported as failed. */
  recordTtlMs: 30_000,
  /**
   * Buffer bounds (records accepted by put() and not yet settled, in-flight ones included); put() waits beyond
   * them. The KPL has none (its README asks users to poll the outstanding count). 100,000 records is 0.4 s at
   * 250,000 records/s, i.e. four linger periods; 64 MiB leaves room for large records.
   */
  maxBufferedRecords: 100_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  /** PutRecords calls in flight at once (KPL MaxConnections: 24). */
  maxConcurrentRequests: 24,
  /** Abort a PutRecords call after this long (KPL RequestTimeout: 6,000 ms); it is then retried. */
  requestTimeoutMs: 10_000,
  /** Per-key order is not guaranteed unless asked for (it costs throughput: see README). */
  ordered: false,
  /** Failing deliveries are logged as one summary line per interval, never a line per record (issue 12). */
  logSummaryIntervalMs: 10_000,
  /** Share of each shard's write limits the producer paces itself to (KPL RateLimit is 150). */
  rateLimitPercent: 100,
  /** Backoff before retry n: uniform in [0, min(max, base · 2^(n−1))]. */
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5_000,
  /** AIMD of the per-shard rate: ×0.7 on a throttle, +5 % of the configured rate per second, never below 5 %. */
  throttleDecreaseFactor: 0.7,
  throttleRecoveryPerSecond: 0.05,
  throttleMinRateFactor: 0.05,
  /** Shard map: at most one ListShards per second; refreshed at least every minute while records flow. */
  shardMapMinIntervalMs: 1_000,
  shardMapMaxAgeMs: 60_000,
  /**
   * Memo of partition key → hash key, UTF-8 length and route (telemetry keys repeat: one per device; key-info.ts).
   * Sized well above a fleet's device count: a memo smaller than the keys in rotation misses on every record
   * (~16 MB at 100,000 keys, key strings aside).
   */
  hashKeyCacheSize: 100_000,
  /** What to do with an aggregate that a reshard made land on a shard not owning all its records (README). */
  misplacedAggregates: 'report' as 'report' | 'resend',
  /** Default client: keep-alive sockets per host. */
  maxSockets: 32,
} as const;

/** The durable buffer (DurableProducer, durable-buffer-store.ts). */
export const DURABLE_BUFFER_DEFAULTS = {
  /** Bytes of segment files: about a day of a 10-device fleet at 10 records/s of 300 bytes, well within an SD card. */
  maxBytes: 256 * 1024 * 1024,
  /** Older records are dropped rather than replayed: a day-old reading is history, not telemetry. */
  maxAgeMs: 24 * 60 * 60 * 1000,
  /** Records per replay round: one PutRecords call's worth, unaggregated. */
  replayBatchRecords: 1_000,
  /** Between replay rounds that delivered nothing (each round already waited a record TTL). */
  replayPauseMs: 1_000,
} as const;
