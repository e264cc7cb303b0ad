/**
 * Which leases this worker should take, decided from one scan of the lease table and what earlier scans saw.
 * KCL 2's distributed algorithm (DynamoDBLeaseTaker; kds-reference.md §4.4), pure: no clock, no I/O, randomness
 * injected.
 *
 * Expiry uses counters, not clocks: a lease is expired when its counter has not changed for `failoverTimeMs` of
 * *this observer's* time since it first saw that counter value. Clocks of different hosts are never compared.
 *
 * Decisions, KCL's unless noted:
 * - Available = unowned, or expired. Unowned leases (new, or released by a graceful handoff) are available at once.
 *   Deviation: KCL treats a new unowned lease as "very expired" (never renewed), so the first worker to scan
 *   takes them all past its target (e.g. both children of every split, or every lease a stopping worker handed
 *   off) and stealing has to undo it; here unowned leases respect the target, so they spread over the fleet.
 * - Orphans (extension): leases owned by this worker id that the caller says it does not hold (`heldLeaseKeys`),
 *   e.g. left by a previous process with the same fixed worker id, are available at once.
 * - Not eligible, ignored entirely (neither taken nor counted): leases checkpointed SHARD_END (their shard is done)
 *   and `ignoredLeaseKeys`. A child lease whose parents are not done IS eligible and counted: its holder's shard
 *   consumer waits for the parents (parentsDone) and starts the moment they finish, with no taker round in between.
 * - Workers = owners of eligible, unexpired leases, plus me. Target = ceil(leases / workers), at most
 *   maxLeasesForWorker.
 * - Leases owned by me count as live whatever their counter: my renewer, not an observation, decides.
 * - Very expired (unchanged for veryExpiredMultiplier × failover): taken first, past the target, up to
 *   maxLeasesForWorker (KCL's safety net for leases nobody takes).
 * - Then up to (target − mine) available leases, shuffled so that workers do not all race for the same (KCL ends
 *   the round after very expired leases; going on saves a round). Extension: the available leases not chosen are
 *   returned as `spare`, so that a take that loses a race is replaced in the same run (KCL waits a taker period).
 * - Only when nothing is available and I am below target: steal. Extension of KCL's single most-loaded victim
 *   (issue #708): up to maxLeasesToStealAtOneTime leases, from workers above the target, most loaded first, never
 *   taking one below the target. KCL's rule kept: when no worker is above target and I need more than one, steal
 *   one from the most loaded (else 3,3,1 would never even out to 3,2,2).
 */
import type { Lease } from '../consumer-types';
import { LEASE_DEFAULTS } from '../defaults';
import { isShardEnd } from './lease-serializer';

/** The counter value last seen for a lease, and when (observer's clock) it was first seen with that value. */
export interface LeaseObservation {
  counter: number;
  seenAt: number;
}

export interface LeaseTakingInput {
  /** Every lease, as just listed. */
  leases: readonly Lease[];
  workerId: string;
  /** The observer's clock, read after the scan completed. */
  now: number;
  /** What the previous run returned (empty on the first run). */
  observations: ReadonlyMap<string, LeaseObservation>;
  failoverTimeMs: number;
  maxLeasesForWorker?: number;
  maxLeasesToStealAtOneTime?: number;
  veryExpiredMultiplier?: number;
  /** Leases held right now by the caller; leases owned by workerId but not in this set are orphans (available). */
  heldLeaseKeys?: ReadonlySet<string>;
  /** Leases not to take nor count, in addition to the SHARD_END ones. */
  ignoredLeaseKeys?: ReadonlySet<string>;
  /**
   * Heartbeat protocol: for workers with a heartbeat, when (observer's clock) their heartbeat counter was first
   * seen at its current value. Their leases' liveness is their heartbeat's, not the lease counter's (which only
   * moves on take, checkpoint, release); a lease in handoff (checkpointOwner set) lives while either worker does.
   * Leases of owners not in the map are judged by their own counter (per-lease workers, during a migration).
   */
  ownerSeenAt?: ReadonlyMap<string, number>;
  /** In [0, 1): Math.random by default; injected for reproducible tests. */
  random?: () => number;
}

export interface LeaseTakingPlan {
  /** Pass to the next run. */
  observations: Map<string, LeaseObservation>;
  /** Available leases to take (very expired first), as listed: their counters are the take's expectation. */
  take: Lease[];
  /** Leases of live workers to steal, as listed. */
  steal: Lease[];
  /**
   * Available leases not in `take`, in random order: what a take that lost a race (another worker's write landed
   * first) is replaced with in the same run, instead of waiting for the next scan. Empty when `take` is everything.
   */
  spare: Lease[];
  /** Eligible leases, live workers (me included), the per-worker target, and what I hold. */
  leaseCount: number;
  workerCount: number;
  target: number;
  myLeaseCount: number;
  /** Available leases (unowned + expired + orphans), of which very expired. */
  available: number;
  veryExpired: number;
  /** Unexpired eligible leases per live worker (me included, possibly 0). */
  leaseCounts: Map<string, number>;
  /**
   * The first instant at which a lease of another worker that did not move since the previous scan (its owner may
   * be gone) would be seen expired; undefined when there is none. A scan at that instant, rather than at the next
   * regular run, detects a dead worker up to one taker interval sooner.
   */
  nextExpiryAt: number | undefined;
}

export function planLeaseTaking(input: LeaseTakingInput): LeaseTakingPlan {
  const {
    leases,
    workerId,
    now,
    failoverTimeMs,
    maxLeasesForWorker = LEASE_DEFAULTS.maxLeasesForWorker,
    maxLeasesToStealAtOneTime = LEASE_DEFAULTS.maxLeasesToStealAtOneTime,
    veryExpiredMultiplier = LEASE_DEFAULTS.veryExpiredMultiplier,
    heldLeaseKeys,
    ignoredLeaseKeys,
    ownerSeenAt,
    random = Math.random,
  } = input;

  // 1. Observations; 2. eligible leases by state.
  const observations = observeCounters(leases, input.observations, now);
  const seenAt = seenAtOf(observations, ownerSeenAt, now);
  const { available, veryExpired, live } = classifyLeases(leases, seenAt, {
    workerId,
    now,
    failoverTimeMs,
    veryExpiredMultiplier,
    heldLeaseKeys,
    ignoredLeaseKeys,
  });

  const leaseCounts = new Map<string, number>([[workerId, 0]]);
  for (const lease of live) leaseCounts.set(lease.leaseOwner as string, (leaseCounts.get(lease.leaseOwner as string) ?? 0) + 1);
  const leaseCount = available.length + veryExpired.length + live.length;
  const workerCount = leaseCounts.size;
  const myLeaseCount = leaseCounts.get(workerId) ?? 0;
  let target = leaseCount === 0 ? 0 : workerCount >= leaseCount ? 1 : Math.ceil(leaseCount / workerCount);
  target = Math.min(target, maxLeasesForWorker);

  const plan: LeaseTakingPlan = {
    observations,
    take: [],
    steal: [],
    spare: [],
    leaseCount,
    workerCount,
    target,
    myLeaseCount,
    available: available.length + veryExpired.length,
    veryExpired: veryExpired.length,
    leaseCounts,
    nextExpiryAt: firstExpiryAt(live, seenAt, workerId, now, failoverTimeMs),
  };
  if (leaseCount === 0) return plan;

  // 3. Very expired leases first, past the target (bounded by maxLeasesForWorker only).
  const room = Math.max(0, maxLeasesForWorker - myLeaseCount);
  plan.take = shuffle(veryExpired, random).slice(0, room);

  // 4. Available leases toward the target (KCL stops after step 3 for this round; taking both saves a round).
  const needed = target - myLeaseCount - plan.take.length;
  if (needed <= 0) return plan;
  if (available.length > 0 || veryExpired.length > 0) {
    const shuffled = shuffle(available, random);
    plan.take.push(...shuffled.slice(0, needed));
    plan.spare = shuffled.slice(needed);
    return plan;
  }

  // 5. Nothing available: steal toward the target.
  plan.steal = chooseLeasesToSteal(live, leaseCounts, workerId, target, needed, maxLeasesToStealAtOneTime, random);
  return plan;
}

/** When each lease was last seen alive: its owner's heartbeat (either owner's during a handoff), else its counter. */
function seenAtOf(observations: ReadonlyMap<string, LeaseObservation>, ownerSeenAt: ReadonlyMap<string, number> | undefined, now: number): (lease: Lease) => number {
  return (lease) => {
    const byCounter = observations.get(lease.leaseKey)?.seenAt ?? now;
    if (ownerSeenAt === undefined || lease.leaseOwner === undefined || !ownerSeenAt.has(lease.leaseOwner)) return byCounter;
    let seen = ownerSeenAt.get(lease.leaseOwner) as number;
    const from = lease.checkpointOwner;
    if (from !== undefined && ownerSeenAt.has(from)) seen = Math.max(seen, ownerSeenAt.get(from) as number);
    return seen;
  };
}

/** Keeps the first-seen time of each lease while its counter stays the same. */
function observeCounters(leases: readonly Lease[], previous: ReadonlyMap<string, LeaseObservation>, now: number): Map<string, LeaseObservation> {
  const observations = new Map<string, LeaseObservation>();
  for (const lease of leases) {
    const seen = previous.get(lease.leaseKey);
    observations.set(lease.leaseKey, seen !== undefined && seen.counter === lease.leaseCounter ? seen : { counter: lease.leaseCounter, seenAt: now });
  }
  return observations;
}

interface ClassifyContext {
  workerId: string;
  now: number;
  failoverTimeMs: number;
  veryExpiredMultiplier: number;
  heldLeaseKeys: ReadonlySet<string> | undefined;
  ignoredLeaseKeys: ReadonlySet<string> | undefined;
}

/** Eligible leases as available (unowned, expired, orphans), very expired, or live; SHARD_END and ignored ones left out. */
function classifyLeases(
  leases: readonly Lease[],
  seenAt: (lease: Lease) => number,
  c: ClassifyContext,
): { available: Lease[]; veryExpired: Lease[]; live: Lease[] } {
  const unchangedFor = (lease: Lease): number => c.now - seenAt(lease);
  const available: Lease[] = [];
  const veryExpired: Lease[] = [];
  const live: Lease[] = [];
  for (const lease of leases) {
    if (isShardEnd(lease.checkpoint) || c.ignoredLeaseKeys?.has(lease.leaseKey)) continue;
    const owner = lease.leaseOwner;
    if (owner === undefined) {
      available.push(lease);
    } else if (owner === c.workerId) {
      // Mine: the renewer, not the observed counter, decides whether I still hold it.
      if (c.heldLeaseKeys === undefined || c.heldLeaseKeys.has(lease.leaseKey)) live.push(lease);
      else available.push(lease);
    } else if (unchangedFor(lease) > c.failoverTimeMs) {
      if (unchangedFor(lease) > c.veryExpiredMultiplier * c.failoverTimeMs) veryExpired.push(lease);
      else available.push(lease);
    } else {
      live.push(lease);
    }
  }
  return { available, veryExpired, live };
}

/** When the first lease of another worker that did not move since the previous scan would be seen expired. */
function firstExpiryAt(
  live: readonly Lease[],
  seenAtOf: (lease: Lease) => number,
  workerId: string,
  now: number,
  failoverTimeMs: number,
): number | undefined {
  let first: number | undefined;
  for (const lease of live) {
    const seenAt = seenAtOf(lease);
    if (lease.leaseOwner === workerId || seenAt >= now) continue;
    const expiresAt = seenAt + failoverTimeMs + 1;
    if (first === undefined || expiresAt < first) first = expiresAt;
  }
  return first;
}

function chooseLeasesToSteal(
  live: readonly Lease[],
  leaseCounts: ReadonlyMap<string, number>,
  workerId: string,
  target: number,
  needed: number,
  maxAtOnce: number,
  random: () => number,
): Lease[] {
  // Workers by load, most loaded first; ties in random order so that thieves spread over equal victims.
  const victims = shuffle(
    [...leaseCounts.entries()].filter(([worker]) => worker !== workerId),
    random,
  ).sort((a, b) => b[1] - a[1]);
  if (victims.length === 0) return [];
  const leasesOf = (worker: string): Lease[] => shuffle(live.filter((l) => l.leaseOwner === worker), random);

  let budget = Math.min(needed, Math.max(0, Math.floor(maxAtOnce)));
  const stolen: Lease[] = [];
  for (const [worker, count] of victims) {
    if (budget <= 0 || count <= target) break;
    const take = Math.min(count - target, budget);
    stolen.push(...leasesOf(worker).slice(0, take));
    budget -= take;
  }
  if (stolen.length === 0 && needed > 1 && budget > 0 && victims[0][1] >= target) {
    stolen.push(...leasesOf(victims[0][0]).slice(0, 1));
  }
  return stolen;
}

/** Fisher–Yates on a copy. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
