/**
 * The heartbeat protocol's decisions (pure: no clock, no I/O), taken at every taker tick from the heartbeat table:
 * which workers are alive, and whether the lease table must be scanned now.
 *
 * Liveness is KCL's counter rule applied to heartbeats: a worker is alive while its heartbeat counter changed
 * within `failoverTimeMs` of the observer's clock since the observer first saw the current value. Clocks of
 * different hosts are never compared. A worker that fences itself stops processing once its heartbeat could not
 * land within failoverTimeMs of the previous one's start, which is before any observer can see it expired.
 *
 * A lease scan (the expensive read, one item per shard) is needed only when:
 * - 'start' / 'requested': the first run, or the caller asked (a shard sync created leases, a shard ended);
 * - 'mixed': some lease was held by a worker without a heartbeat (a per-lease worker, during a migration), whose
 *   leases only their counters can judge: scan every tick, as the per-lease protocol does;
 * - 'worker-died': a worker that held leases stopped beating (its leases are to be taken);
 * - 'workers-changed': a worker joined or left since the last scan (targets changed);
 * - 'imbalance': by the heartbeats' lease counts I am below my share and someone is above it;
 * - 'follow-up': the last scan left leases available or a take failed;
 * - 'sweep': nothing else for leaseSweepIntervalMs (leases left unowned, other workers' new shards).
 */
import type { WorkerHeartbeat } from './lease-table';

export interface HeartbeatObservation {
  counter: number;
  /** Observer's clock when this counter value was first seen. */
  seenAt: number;
  leaseCount: number;
}

export type LeaseScanReason = 'start' | 'requested' | 'mixed' | 'worker-died' | 'workers-changed' | 'imbalance' | 'follow-up' | 'sweep';

/** Keeps each worker's first-seen time while its counter stays the same; workers without an item are dropped. */
export function observeHeartbeats(
  beats: readonly WorkerHeartbeat[],
  previous: ReadonlyMap<string, HeartbeatObservation>,
  now: number,
): Map<string, HeartbeatObservation> {
  const out = new Map<string, HeartbeatObservation>();
  for (const beat of beats) {
    const seen = previous.get(beat.workerId);
    const seenAt = seen !== undefined && seen.counter === beat.counter ? seen.seenAt : now;
    out.set(beat.workerId, { counter: beat.counter, seenAt, leaseCount: beat.leaseCount });
  }
  return out;
}

export interface HeartbeatView {
  /** Live workers (me included when my heartbeat is fresh, whatever the table says). */
  live: Set<string>;
  /** Workers whose heartbeat stopped while they held leases, and the instant (observer's clock) they expired. */
  expiredWithLeases: Map<string, number>;
  /** The first instant a live worker other than me would be seen expired if its counter does not move. */
  nextExpiryAt: number | undefined;
  /** For planLeaseTaking's ownerSeenAt: every worker with a heartbeat item. */
  ownerSeenAt: Map<string, number>;
}

export function viewHeartbeats(observations: ReadonlyMap<string, HeartbeatObservation>, me: string, now: number, failoverTimeMs: number): HeartbeatView {
  const view: HeartbeatView = { live: new Set([me]), expiredWithLeases: new Map(), nextExpiryAt: undefined, ownerSeenAt: new Map() };
  for (const [worker, o] of observations) {
    view.ownerSeenAt.set(worker, worker === me ? now : o.seenAt);
    if (worker === me) continue;
    if (now - o.seenAt > failoverTimeMs) {
      if (o.leaseCount > 0) view.expiredWithLeases.set(worker, o.seenAt + failoverTimeMs);
      continue;
    }
    view.live.add(worker);
    if (o.seenAt < now) {
      const expiresAt = o.seenAt + failoverTimeMs + 1;
      if (view.nextExpiryAt === undefined || expiresAt < view.nextExpiryAt) view.nextExpiryAt = expiresAt;
    }
  }
  return view;
}

export interface LeaseScanInput {
  now: number;
  me: string;
  view: HeartbeatView;
  observations: ReadonlyMap<string, HeartbeatObservation>;
  /** Leases I hold now, handoffs I asked for included. */
  myLeaseCount: number;
  /** The last scan: when, and the live workers then (undefined: never scanned). */
  lastScanAt: number | undefined;
  liveAtLastScan: ReadonlySet<string> | undefined;
  requested: boolean;
  mixed: boolean;
  followUp: boolean;
  /** Steals waiting for their owner's handoff: no new imbalance scan meanwhile. */
  pendingSteals: number;
  sweepIntervalMs: number;
  maxLeasesForWorker: number;
}

/** Whether to scan the lease table at this tick, and why (the first reason that applies). */
export function decideLeaseScan(input: LeaseScanInput): LeaseScanReason | undefined {
  const { now, view, lastScanAt } = input;
  if (lastScanAt === undefined) return 'start';
  if (input.requested) return 'requested';
  if (input.mixed) return 'mixed';
  for (const expiredAt of view.expiredWithLeases.values()) if (expiredAt >= lastScanAt) return 'worker-died';
  if (input.liveAtLastScan !== undefined && !sameSet(view.live, input.liveAtLastScan)) return 'workers-changed';
  if (input.followUp) return 'follow-up';
  if (input.pendingSteals === 0 && belowShare(input)) return 'imbalance';
  if (now - lastScanAt >= input.sweepIntervalMs) return 'sweep';
  return undefined;
}

/**
 * Whether the heartbeats' lease counts say I should steal: I am below ceil(total / live workers) and another live
 * worker is above it, or I am two or more below it (planLeaseTaking's rule for 3,3,1 → 3,2,2).
 */
export function belowShare(input: Pick<LeaseScanInput, 'view' | 'observations' | 'me' | 'myLeaseCount' | 'maxLeasesForWorker'>): boolean {
  let total = input.myLeaseCount;
  let most = 0;
  for (const worker of input.view.live) {
    if (worker === input.me) continue;
    const count = input.observations.get(worker)?.leaseCount ?? 0;
    total += count;
    most = Math.max(most, count);
  }
  if (total === 0) return false;
  const target = Math.min(input.maxLeasesForWorker, Math.ceil(total / input.view.live.size));
  const needed = target - input.myLeaseCount;
  return (needed > 0 && most > target) || (needed > 1 && most >= target);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
