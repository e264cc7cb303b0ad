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
