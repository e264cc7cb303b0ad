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

/**
 * Kinesis Video Streams figures (kvs-reference.md §2.2, §3.7, §3.8, §6). Where the reference marks a value
 * [unconfirmed] the emulator makes it an option (see `KvsOptions` in emulator.ts) and these are the defaults.
 */
export const KVS_LIMITS = {
  /** Streams per account and region (current quota page). */
  maxStreams: 10_000,
  maxTagsPerStream: 50,
  maxRetentionHours: 87_600,
  /** PutMedia: one connection per stream; a second is refused with ConnectionLimitExceededException. */
  putMediaConnectionsPerStream: 1,
  /** GetMedia: three concurrent connections per stream. */
  getMediaConnectionsPerStream: 3,
  /** Fragment: at most 20 s (ack 4002; older docs said 10 s), 50 MB (ack 4001), 3 tracks, 10 metadata tags. */
  maxFragmentDurationMs: 20_000,
  maxFragmentBytes: 50 * 1024 * 1024,
  maxTracks: 3,
  maxFragmentMetadataTags: 10,
  maxMetadataNameBytes: 128,
  maxMetadataValueBytes: 256,
  /** ListFragments MaxResults and GetMediaForFragmentList Fragments: 1 000. */
  maxListFragmentsResults: 1000,
  maxFragmentsPerMediaRequest: 1000,
  /** Control-plane JSON bodies (GetMediaForFragmentList with 1 000 numbers is ~130 KB). */
  maxRequestBodyBytes: 1024 * 1024,
} as const;

export const KVS_TIMES = {
  /** PutMedia connections end with ERROR 4003 MAX_CONNECTION_DURATION_REACHED after 45 minutes. */
  maxConnectionDurationMs: 45 * 60_000,
  /** IDLE acknowledgements while a PutMedia connection carries no data ([unconfirmed] interval) … */
  idleAckIntervalMs: 3_000,
  /** … for up to 30 s, then the service closes the request. */
  idleTimeoutMs: 30_000,
  /** A stream with DataRetentionInHours 0 still serves GetMedia from a 5-minute host buffer. */
  hostBufferMs: 5 * 60_000,
  /** GetMedia ends a tail that saw no new fragment for this long ([unconfirmed]; the client resumes with the continuation token). */
  getMediaIdleTimeoutMs: 30_000,
  retentionCheckIntervalMs: 60_000,
} as const;

/**
 * Connection limits of the emulator's port (every protocol: HTTP/1.1, cleartext HTTP/2, TLS). Timeouts count
 * inactivity where a stream may legitimately last (PutMedia uploads for as long as a camera runs, GetMedia,
 * SubscribeToShard for 5 minutes), and total time only where a request is bounded (headers, a JSON body).
 */
export const CONNECTION_DEFAULTS = {
  /**
   * Open connections at most. At the cap a new connection closes the one idle the longest (one that never sent
   * its first bytes first, then one with no request in flight) rather than being refused, so idle clients cannot
   * starve real ones. Keep it well under the process's open-file limit (`ulimit -n`): segment files need some.
   */
  maxConnections: 1000,
  /** A connection must send its first bytes (what picks its protocol) within this long. */
  firstBytesTimeoutMs: 10_000,
  /** HTTP/1.1: the request line and headers must arrive within this long of their first byte; TLS: the handshake. */
  headersTimeoutMs: 20_000,
  /** A request with a bounded body (every operation but PutMedia) must have sent all of it within this long. */
  requestTimeoutMs: 60_000,
  /**
   * A connection with no request in flight (HTTP/1.1 keep-alive, an HTTP/2 session without streams) is closed
   * after this long; above the 60 s idle timeouts of load balancers and HTTP clients, so clients close first.
   */
  keepAliveTimeoutMs: 65_000,
  /**
   * No byte either way for this long closes a connection even with a request in flight: twice GetMedia's 30 s
   * wait for a new fragment (KVS_TIMES.getMediaIdleTimeoutMs); PutMedia acks every 3 s, SubscribeToShard every 2 s.
   */
  idleTimeoutMs: 60_000,
  /**
   * An HTTP/2 session without streams is sent a PING; one that does not answer within this long is destroyed. This
   * is what closes a session nghttp2 ended with a GOAWAY (a protocol error: it then reads nothing more, and Node
   * is not told) and an idle client that is not there any more.
   */
  pingTimeoutMs: 5_000,
} as const;
