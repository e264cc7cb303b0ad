/**
 * Defaults of the worker (KinesisConsumer) as a whole. The lease, retrieval and processing layers keep their own
 * in leases/lease-defaults.ts, retrieval/retrieval-defaults.ts and processing/processing-defaults.ts; these are
 * the ones the worker chooses for them, where it differs from KCL the comment says why.
 */
export const CONSUMER_DEFAULTS = {
  retrieval: 'polling' as const,
  initialPosition: 'TRIM_HORIZON' as const,
  /** Most user records per handler call (Lambda's BatchSize is 100 by default, 10,000 at most). */
  batchSize: 1_000,
  /**
   * Lease duration. KCL's 10 s (taken over only after 10 s plus up to a 20-s taker period) puts failover at
   * 10–30 s; a Node worker has no multi-second GC pauses to ride out, and the issue asks for failover ≤ 5 s. With
   * 3 s the renewer runs every ~1 s and the taker every second, so a killed worker's shards resume after about
   * 3–4.5 s. The price is one lease write per held lease per second and one table scan per worker per second.
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
