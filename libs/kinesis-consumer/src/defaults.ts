/**
 * Every default of @tributary/kinesis-consumer, in one file (conventions.md §14): the worker's as a whole
 * (CONSUMER_DEFAULTS: the ones it chooses for its parts, where it differs from KCL the comment says why), then each
 * part's own: leases, shard sync, retrieval, processing.
 */
export const CONSUMER_DEFAULTS = {
  retrieval: 'polling' as const,
  /**
   * The lease protocol (leases/heartbeat-coordinator.ts): one heartbeat item per worker vouches for all of its
   * leases, so the lease table's writes grow with workers, not shards. 'per-lease' is KCL's (and this library's
   * before): every lease renewed, the whole table scanned by every worker each taker interval.
   */
  leaseProtocol: 'heartbeat' as const,
  /**
   * Checkpoint writes of one shard are coalesced: at most one every this many ms, the newest done record written
   * when the interval is over (a shard end, a graceful stop and a handoff write at once). Before, every handler
   * batch was one DynamoDB write per shard; now the writes no longer grow with the batch rate. A failover replays
   * at most this much more.
   */
  checkpointIntervalMs: 5_000,
  initialPosition: 'TRIM_HORIZON' as const,
  /** Most user records per handler call (Lambda's BatchSize is 100 by default, 10,000 at most). */
  batchSize: 1_000,
  /**
   * Lease duration. KCL's 10 s (taken over only after 10 s plus up to a 20-s taker period) puts failover at
   * 10–30 s; a Node worker has no multi-second GC pauses to ride out, and the issue asks for failover ≤ 5 s.
   * Worst case of the heartbeat protocol (F = failoverTimeMs, T = takerIntervalMs, R = one DynamoDB round trip),
   * from the kill to the last of the dead worker's shards held again:
   *   its last heartbeat lands just before the kill                                              0
   * + a survivor sees the new counter at its next heartbeat read (every T after its last run)    T + 2R
   * + it counts the worker expired F + 1 ms later (its taker timer is set to that instant)       F
   * + that run: heartbeat read, lease scan (one page per MiB: 1 at 1,000 leases), take           3R
   * + lost races: one take per spare tried (R each); no spare left: a rescan after
   *   takerRetryMs (50–150 ms) + scan + take, per round                                          ~0.2 s
   * = 1,000 + 3,000 + 5R ≈ 4.05 s at R = 10 ms, plus ~0.2 s per rescan round: ≤ 5 s with up to four rounds (each
   * round some racer wins). bench:scale at 1,000 shards × 20 workers, seeds 1–8 (the kill at a seeded instant of
   * the renewal interval): 3.1–3.6 s.
   * T counts in full: survivors take only up to their target, so the last shard waits for the last one to see it.
   * What it costs at steady state: one heartbeat write per worker per renewal interval (F/3 − ε = 975 ms: 20.5
   * write units/s for 20 workers, against KCL's ~300 for 1,000 leases) and one heartbeat read per worker per T;
   * a lower F or T would cut the failover at a proportional price (per-lease workers: one write per lease).
   */
  failoverTimeMs: 3_000,
  takerIntervalMs: 1_000,
  /** Steal up to this many leases per taker run when joining a fleet (KCL: 1 per 20 s, issue #708). */
  maxLeasesToStealAtOneTime: 2,
  /** ListShards sweep for new shards (KCL shardSyncIntervalMillis: 60 s); shard ends trigger one at once. */
  shardSyncIntervalMs: 60_000,
  /** How often a shard whose parents are still being read checks them again (KCL: 10 s; a local parent end wakes it at once). */
  parentPollMs: 1_000,
  /** Wait before reading a shard again after its batch could not be finished (DLQ down, no DLQ and retries out). */
  failedShardBackoffMs: 1_000,
  failedShardBackoffMaxMs: 30_000,
  /** Longest wait for a graceful stop (in-flight handler, final checkpoints, releases). */
  shutdownTimeoutMs: 30_000,
} as const;

// ---- leases/ ----

/**
 * Defaults of the lease layer (table, taker, renewer). KCL figures are from LeaseManagementConfig /
 * DynamoDBLeaseCoordinator (kds-reference.md §4.3); where we differ from KCL the comment says why.
 */
export const LEASE_DEFAULTS = {
  /** KCL failoverTimeMillis: a lease whose counter has not moved for this long (as observed) is expired. */
  failoverTimeMs: 10_000,
  /** KCL epsilonMillis: slack so a renewal lands before the lease could be seen as expired. */
  epsilonMs: 25,
  /** A lease not renewed for veryExpiredMultiplier × failover is taken with priority, past the target (KCL: 3). */
  veryExpiredMultiplier: 3,
  /** KCL maxLeasesForWorker: unlimited. */
  maxLeasesForWorker: Number.POSITIVE_INFINITY,
  /**
   * KCL maxLeasesToStealAtOneTime: 1. Raise it for faster convergence when workers join (issue #708); stealing
   * is spread over every worker above the target, most loaded first, and never below the target.
   */
  maxLeasesToStealAtOneTime: 1,
  /**
   * When a taker run leaves leases available (unowned or expired) that this worker did not take (at its target,
   * or a race lost), the next run comes after this delay instead of the full taker interval: a released lease
   * (graceful handoff) is then picked up in seconds, not in 20 s.
   */
  takerFollowUpMs: 1_000,
  /**
   * Heartbeat protocol: when takes lost races to other workers and the scan had no spare lease left to try, the
   * next scan comes after this delay (jittered ±50 %) instead of takerFollowUpMs, so that a lost race costs tens of
   * milliseconds of failover, not a second. Rare outside a failover; each costs one lease scan.
   */
  takerRetryMs: 100,
  /**
   * Heartbeat protocol: a full scan of the lease table at least this often even when no heartbeat says one is
   * needed (new shards' leases created by another worker's shard sync, leases left unowned). KCL's shard sync
   * interval; the scans a worker joining or dying needs are triggered by the heartbeats themselves.
   */
  leaseSweepIntervalMs: 60_000,
  /**
   * Heartbeat protocol: leases a worker below its share may ask for at once from live heartbeat workers. A handoff
   * does not cut processing short (the owner checkpoints, then lets go), so moving many at once costs no
   * duplicates, and a worker joining 20 others at 1,000 shards gets its ~48 in a few handoff rounds instead of 24
   * (KCL 3 likewise moves many leases per assignment run). Steals from per-lease workers stay at
   * maxLeasesToStealAtOneTime.
   */
  maxHandoffsAtOneTime: 25,
  /** Leases renewed / taken in parallel by one worker (KCL renews with a pool of 20 threads). */
  writeConcurrency: 20,
  /** ensureTable: how often DescribeTable is polled while the table is CREATING, and for how long at most. */
  tablePollIntervalMs: 1_000,
  tableActiveTimeoutMs: 120_000,
} as const;

/** KCL renewer period: failover / 3 − ε (3,308 ms with the defaults). */
export function defaultRenewIntervalMs(failoverTimeMs: number, epsilonMs: number = LEASE_DEFAULTS.epsilonMs): number {
  return Math.max(1, Math.floor(failoverTimeMs / 3) - epsilonMs);
}

/** KCL-2 taker period: 2 · (failover + ε) (20,050 ms with the defaults). */
export function defaultTakerIntervalMs(failoverTimeMs: number, epsilonMs: number = LEASE_DEFAULTS.epsilonMs): number {
  return 2 * (failoverTimeMs + epsilonMs);
}

/**
 * Heartbeat protocol: how long a stealer waits for the owner to checkpoint and hand a lease over before it takes
 * it anyway. The owner sees the request at its next heartbeat (within failover, or it has fenced itself) and
 * gives up processing within one more failover time; 3 · failover leaves a third of margin (KCL 3: 30 s).
 */
export function defaultHandoffTimeoutMs(failoverTimeMs: number): number {
  return 3 * failoverTimeMs;
}

// ---- shards/ ----

/** Defaults of shard discovery (KCL figures from LeaseManagementConfig, kds-reference.md §4.3). */
export const SHARD_SYNC_DEFAULTS = {
  /** KCL shardSyncIntervalMillis: a periodic ListShards even when no shard ended (catches splits of others' shards). */
  syncIntervalMs: 60_000,
  /** ListShards MaxResults per page (AWS: 1,000 by default, 10,000 at most). */
  listShardsPageSize: 1_000,
  /** Delete finished parent leases once their children started (KCL cleans up completed leases every minute). */
  cleanupLeases: true,
  /** Lease creations / deletions in flight at once. */
  writeConcurrency: 10,
} as const;

// ---- retrieval/ ----

/**
 * Defaults of the two retrieval modes, with where each figure comes from (kds-reference.md §1.3, §2, §4.8, §7).
 */
export const RETRIEVAL_DEFAULTS = {
  polling: {
    /** GetRecords Limit: KCL's default, and the service maximum. */
    maxRecords: 10_000,
    /**
     * Wait between GetRecords calls once caught up (MillisBehindLatest 0). KCL defaults to 1,500 ms and enforces
     * at least 200 ms since 3.0. We default to that minimum: the latency target (p99 put→handler ≤ 300 ms) leaves
     * ~100 ms for the call, the handler and the hop after one polling interval. A record waits on average half
     * an interval, at most one (the interval is measured from the start of the previous call, not its end). It
     * spends the shard's shared budget at ≤ 5 calls/s, all of it: with several polling applications on one
     * stream, raise it (or use enhanced fan-out).
     */
    idleTimeBetweenReadsMs: 200,
    /** KCL 3's floor. */
    minIdleTimeBetweenReadsMs: 200,
    /** The shard's read quotas (shared by every polling consumer of the shard). */
    maxCallsPerSecond: 5,
    maxBytesPerSecond: 2 * 1024 * 1024,
    /** Batches fetched ahead while the handler works (KCL: maxPendingProcessRecordsInput 4). */
    prefetchBatches: 1,
    /** Backoff after throttling or a failed call: first ceiling, and cap. */
    retryBaseDelayMs: 200,
    retryMaxDelayMs: 5_000,
    /** Consecutive failed calls (not throttling) after which next() reports the failure (the source goes on). */
    failuresBeforeReport: 5,
  },
  fanOut: {
    /** Longest wait for a registered stream consumer to become ACTIVE. */
    registrationTimeoutMs: 60_000,
    /** DescribeStreamConsumer polls: first interval and cap (× 1.5 each time). */
    registrationPollMs: 250,
    registrationPollMaxMs: 2_000,
    /** SubscribeToShard: at most one call per second per consumer and shard. */
    minSubscribeIntervalMs: 1_000,
    /** Backoff after a refused or failed subscription (ResourceInUse during the 5-s takeover window, …). */
    retryBaseDelayMs: 1_000,
    retryMaxDelayMs: 10_000,
    /**
     * A subscription that delivers nothing (not even the heartbeat events, every few seconds) for this long is
     * taken for dead (a half-open connection) and replaced.
     */
    eventTimeoutMs: 30_000,
    failuresBeforeReport: 5,
  },
  http2: {
    /** Streams per HTTP/2 session before another is opened (100 is the floor RFC 9113 §6.5.2 recommends). */
    maxConcurrentStreams: 100,
    /** Receive window per stream: one EFO event is up to 2 MiB/s of a shard; 1 MiB keeps a far server busy. */
    streamWindowBytes: 1024 * 1024,
    connectTimeoutMs: 5_000,
    /** An idle session (no streams) is closed after this long. */
    idleSessionTimeoutMs: 60_000,
  },
} as const;

// ---- processing/ ----

/**
 * Defaults of the processing part of the consumer (batch processor, checkpoint policy, dead-letter sinks). Lambda's
 * event source mapping defaults are in kds-reference.md §5; where ours differ, the comment says why.
 */
export const PROCESSING_DEFAULTS = {
  /**
   * Lambda's default is -1 (retry until the record expires, up to a week of a blocked shard). Ours is bounded:
   * with a dead-letter destination the shard moves on after 1 + 3 attempts of the failing record.
   */
  maximumRetryAttempts: 3,
  /** Lambda's default is false; without it a whole batch fails with its poison record. */
  bisectBatchOnFunctionError: true,
  /** As Lambda: no age limit (retention still applies). */
  maximumRecordAgeInSeconds: -1,
  /** Retry n waits uniform in [0, min(maxMs, baseMs · 2^(n−1))]: 0.5, 1, 2 s ceilings for the default 3 retries. */
  retryBackoff: { baseMs: 500, maxMs: 30_000 },
  /** Checkpoint after each batch (KCL's usual `checkpoint()` at the end of processRecords). */
  checkpointAfter: 'batch' as const,
  /** KinesisDeadLetterSink: PutRecords attempts for an entry before send() rejects, and their backoff. */
  kinesisSinkMaxAttempts: 5,
  kinesisSinkBackoff: { baseMs: 100, maxMs: 2_000 },
} as const;

/** PutRecords limits (Kinesis API reference): 500 entries and 5 MiB per call, 1 MiB of data + partition key per record. */
export const PUT_RECORDS_LIMITS = {
  maxEntries: 500,
  maxBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
} as const;
