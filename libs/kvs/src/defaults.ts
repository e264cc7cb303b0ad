/**
 * Every default of @tributary/kvs in one place. KVS limits from kvs-reference.md §3.8 / §6 (limits page, 2025+);
 * producer figures from the AWS C/Java producers where they exist (§3.3, §3.8).
 */
export const KVS_LIMITS = {
  /** PutMedia: the service ends a connection after 45 minutes (ERROR 4003). */
  maxConnectionDurationMs: 45 * 60_000,
  /** IDLE acks for up to 30 s without data, then the service closes the request. */
  idleCloseMs: 30_000,
  /** Fragment duration bounds and size. */
  minFragmentDurationMs: 1_000,
  maxFragmentDurationMs: 20_000,
  maxFragmentBytes: 50 * 1024 * 1024,
} as const;

export const PUT_MEDIA_DEFAULTS = {
  /** `x-amzn-fragment-timecode-type`: ABSOLUTE avoids depending on the start-timestamp header (§3.9). */
  timecodeType: 'ABSOLUTE' as 'ABSOLUTE' | 'RELATIVE',
  /** Open a new connection this long after the current one opened: PIC/Java rotate at 40 min, before the 45-min limit. */
  rotateAfterMs: 40 * 60_000,
  /** Rotation waits this long for the old connection's last acks before closing it anyway. */
  rotationDrainTimeoutMs: 15_000,
  /**
   * A connection that has fragments outstanding and has carried no acknowledgement event (of any kind, IDLE
   * included) for this long is treated as dead and replaced. The C producer's "connection staleness" is 5 s;
   * more here so that a slow uplink writing a large fragment is not cut.
   */
  staleAfterMs: 20_000,
  /** Reconnect backoff: full jitter, uniform in [0, min(max, base · 2^(n−1))]. */
  reconnectBaseDelayMs: 250,
  reconnectMaxDelayMs: 20_000,
  /** Reconnect attempts in a row without a persisted fragment before the session fails (an edge producer keeps trying). */
  maxReconnectAttempts: Number.POSITIVE_INFINITY,
  /** Fragments refused in a row (ERROR acks of the drop-fragment kind) before the session fails: the header is then at fault. */
  maxConsecutiveFragmentErrors: 3,
  /** end() waits this long for every fragment to be persisted. */
  endTimeoutMs: 60_000,
  /** TCP connect (and TLS) timeout. */
  connectTimeoutMs: 10_000,
  /**
   * High-water mark of the PutMedia socket (bytes): once Node holds this much of the body above the kernel,
   * write() answers false and the session waits for 'drain'. Set explicitly so the bound on what a slow uplink
   * leaves buffered in the process is ours and the same on every Node: Node 22 raised the default
   * (stream.getDefaultHighWaterMark()) from 16 KiB to 64 KiB, which let a whole small fragment slip into the
   * socket without any wait. 16 KiB is the Node 20 value the session was built and measured with.
   */
  socketHighWaterMarkBytes: 16 * 1024,
  /** Fragments kept in memory between writeFragment() and their first send, so a disk spool is not read back (bytes). */
  freshCacheBytes: 16 * 1024 * 1024,
  /** Bound of the default in-memory fragment store (when no store is given): ~4 min of a 4 Mbit/s stream. Oldest dropped beyond. */
  memoryStoreMaxBytes: 128 * 1024 * 1024,
  /** Largest acknowledgement object read (PIC: 1024 characters). */
  maxAckBytes: 4096,
  /** Largest error body read from a non-200 answer. */
  maxErrorBodyBytes: 64 * 1024,
  /** GetDataEndpoint answers are cached this long per (stream, API) (§3.8: calling it every ~45 min is expected). */
  endpointCacheTtlMs: 45 * 60_000,
} as const;

/** SigV4 service name of all three KVS APIs (kvs-reference.md §0). */
export const KVS_SIGNING_SERVICE = 'kinesisvideo';
