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
