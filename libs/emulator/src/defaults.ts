/**
 * Every default of the emulator in one place. Figures are AWS's published KDS quotas
 * (kds-reference.md §1.2–§1.4) unless the comment says otherwise; DynamoDB's are dynalite's.
 */
export const KDS_LIMITS = {
  /** Per shard, writes: 1,000 records/s and 1 MiB/s (partition key bytes count). */
  shardWriteRecordsPerSecond: 1000,
  shardWriteBytesPerSecond: 1024 * 1024,
  /** Per shard, polling reads: 5 GetRecords calls/s and 2 MiB/s shared by every polling consumer. */
  shardReadCallsPerSecond: 5,
  shardReadBytesPerSecond: 2 * 1024 * 1024,
  /** GetShardIterator: 5 calls/s per shard. */
  shardIteratorCallsPerSecond: 5,
  /** Enhanced fan-out: 2 MiB/s per consumer per shard. */
  fanOutBytesPerSecond: 2 * 1024 * 1024,
} as const;

export const KDS_SIZES = {
  maxRecordBytes: 1024 * 1024,
  maxPutRecordsEntries: 500,
  maxPutRecordsBytes: 5 * 1024 * 1024,
  maxGetRecordsCount: 10_000,
  maxGetRecordsBytes: 10 * 1024 * 1024,
  /** kinesalite's MAX_REQUEST_BYTES: a PutRecords at 5 MiB of data is ~6.7 MiB of base64 JSON. */
  maxRequestBodyBytes: 7 * 1024 * 1024,
  maxConsumersPerStream: 20,
  defaultShardLimit: 500,
  onDemandStreamLimit: 50,
  /** On-demand streams start at 4 MiB/s of write capacity, i.e. four shards. */
  onDemandInitialShards: 4,
} as const;

export const KDS_TIMES = {
  iteratorLifetimeMs: 300_000,
  nextTokenLifetimeMs: 300_000,
  subscriptionLifetimeMs: 300_000,
  /** A SubscribeToShard within 5 s of a successful one for the same consumer and shard is refused. */
  subscriptionTakeoverMs: 5_000,
  /** Idle SubscribeToShard streams get an empty event this often, so ContinuationSequenceNumber advances. */
  subscriptionHeartbeatMs: 2_000,
  retentionCheckIntervalMs: 60_000,
  defaultRetentionHours: 24,
  minRetentionHours: 24,
  maxRetentionHours: 8760,
} as const;

export const STORAGE_DEFAULTS = {
  /** Segment files roll at this size so retention can delete whole files. */
  segmentBytes: 64 * 1024 * 1024,
  /** fdatasync cadence under the default `interval` fsync policy. */
  fsyncIntervalMs: 1000,
} as const;

export const DYNAMODB_SIZES = {
  /** DynamoDB's item size limit (400 KB), dynalite's default. */
  maxItemSizeKb: 400,
  /** A BatchWriteItem may carry up to 16 MB; dynalite's MAX_REQUEST_BYTES. */
  maxRequestBodyBytes: 16 * 1024 * 1024,
} as const;

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_PORT = 4566;
