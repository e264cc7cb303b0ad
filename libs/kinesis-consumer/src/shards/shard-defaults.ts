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
