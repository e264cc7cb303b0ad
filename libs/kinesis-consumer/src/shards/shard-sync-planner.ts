/**
 * Which leases a stream's shards need, which shards may start, and which finished leases may go: pure decisions
 * over ListShards output and the lease table (KCL HierarchicalShardSyncer, BlockOnParentShardTask and
 * LeaseCleanupManager; kds-reference.md §4.7). The rule everything serves: a partition key's records are handled
 * in order across a split or merge, so a child shard is consumed only after every parent reached SHARD_END.
 *
 * Lease creation (planShardSync), for each shard without a lease, parents before children:
 * - A shard with a leased descendant is done (its lease was deleted after completion, or it was left out on
 *   purpose): never (re)created.
 * - A child of a shard that has or gets a lease, or of a finished parent, starts at TRIM_HORIZON, whatever the
 *   initial position (KCL: the child's records all follow the parent's). Children are created as soon as ListShards
 *   shows them, while their parents may still be running: a worker can hold a child lease and its shard consumer
 *   waits (parentsDone) and starts the moment the parents end, without waiting for another sync.
 *   Exception: in AT_TIMESTAMP mode, the descendants of shards created in the same plan (the first sync of a stream
 *   that had resharded before) start AT_TIMESTAMP too, so records older than the timestamp are not replayed.
 * - A shard with no leased or finished relative (the stream's first sync):
 *     TRIM_HORIZON / AT_TIMESTAMP: every shard ListShards returns gets a lease, the oldest (roots) at the initial
 *       position; closed roots reach SHARD_END quickly and their children follow, so nothing in retention is skipped.
 *     LATEST: only open shards, at LATEST; closed ancestors get no lease (absent parents count as done).
 *
 * Parent leases (parentShardId) list both ParentShardId and AdjacentParentShardId, as KCL stores them.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { Checkpoint, Lease } from '../consumer-types';
import { isShardEnd } from '../leases/lease-serializer';

/** Where a consumer starts on a stream it has never read (KCL's InitialPositionInStream). */
export type InitialPosition = 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date | number };

/** The ListShards fields the planner reads. */
export type ShardDescription = Partial<Pick<Shard, 'ShardId' | 'ParentShardId' | 'AdjacentParentShardId' | 'HashKeyRange' | 'SequenceNumberRange'>>;

export interface ShardSyncInput {
  /** Every shard of the stream (no ShardFilter: closed shards in retention included). */
  shards: readonly ShardDescription[];
  existingLeases: readonly Lease[];
  initialPosition: InitialPosition;
}

export interface ShardSyncPlan {
  /** Leases to create, parents before children (so a crash half-way leaves no child without its parents). */
  create: Lease[];
}

const TRIM_HORIZON: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };
const LATEST: Checkpoint = { kind: 'sentinel', value: 'LATEST' };

export function initialCheckpoint(position: InitialPosition): Checkpoint {
  if (position === 'TRIM_HORIZON') return TRIM_HORIZON;
  if (position === 'LATEST') return LATEST;
  const timestamp = position.timestamp instanceof Date ? position.timestamp.getTime() : position.timestamp;
  return { kind: 'sentinel', value: 'AT_TIMESTAMP', timestamp };
}

function parentIdsOf(shard: ShardDescription): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => typeof p === 'string' && p !== '');
}

function isOpen(shard: ShardDescription): boolean {
  return shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
}

export function planShardSync(input: ShardSyncInput): ShardSyncPlan {
  const byId = new Map<string, ShardDescription>();
  for (const shard of input.shards) if (shard.ShardId) byId.set(shard.ShardId, shard);
  const leased = new Set(input.existingLeases.map((l) => l.leaseKey));

  const children = new Map<string, string[]>();
  for (const shard of byId.values()) {
    for (const parent of parentIdsOf(shard)) {
      const list = children.get(parent) ?? [];
      list.push(shard.ShardId as string);
      children.set(parent, list);
    }
  }

  const leasedDescendantMemo = new Map<string, boolean>();
  const hasLeasedDescendant = (shardId: string): boolean => {
    const known = leasedDescendantMemo.get(shardId);
    if (known !== undefined) return known;
    leasedDescendantMemo.set(shardId, false); // cycle guard (ListShards never has cycles)
    const result = (children.get(shardId) ?? []).some((c) => leased.has(c) || hasLeasedDescendant(c));
    leasedDescendantMemo.set(shardId, result);
    return result;
  };

  const initial = initialCheckpoint(input.initialPosition);
  const created = new Map<string, Lease>();
  for (const shard of topologicalOrder(byId)) {
    const id = shard.ShardId as string;
    if (leased.has(id) || hasLeasedDescendant(id)) continue;
    const parents = parentIdsOf(shard);
    const parentsTracked = parents.filter((p) => leased.has(p) || created.has(p));
    // A parent in the list without a lease but with a leased descendant has been consumed (and cleaned up).
    const parentsFinished = parents.filter((p) => !leased.has(p) && !created.has(p) && byId.has(p) && hasLeasedDescendant(p));

    let checkpoint: Checkpoint | undefined;
    if (parentsTracked.length > 0 || parentsFinished.length > 0) {
      const inherit = parentsTracked.map((p) => created.get(p)?.checkpoint).find((c) => c?.kind === 'sentinel' && c.value === 'AT_TIMESTAMP');
      checkpoint = inherit ?? TRIM_HORIZON;
    } else if (initial.kind === 'sentinel' && initial.value === 'LATEST') {
      checkpoint = isOpen(shard) ? LATEST : undefined;
    } else {
      checkpoint = initial;
    }
    if (checkpoint === undefined) continue;
    created.set(id, {
      leaseKey: id,
      leaseCounter: 0,
      checkpoint,
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: [...new Set(parents)].sort(),
      childShardIds: [],
      startingHashKey: shard.HashKeyRange?.StartingHashKey ?? '',
      endingHashKey: shard.HashKeyRange?.EndingHashKey ?? '',
    });
  }
  return { create: [...created.values()] };
}

/** Parents before children; among ready shards, by shard id (creation order). */
function topologicalOrder(byId: ReadonlyMap<string, ShardDescription>): ShardDescription[] {
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, shard] of byId) {
    const parents = parentIdsOf(shard).filter((p) => byId.has(p));
    pending.set(id, parents.length);
    for (const p of parents) dependents.set(p, [...(dependents.get(p) ?? []), id]);
  }
  const ready = [...pending].filter(([, n]) => n === 0).map(([id]) => id);
  const out: ShardDescription[] = [];
  while (ready.length > 0) {
    ready.sort();
    const id = ready.shift() as string;
    out.push(byId.get(id) as ShardDescription);
    for (const child of dependents.get(id) ?? []) {
      const left = (pending.get(child) ?? 0) - 1;
      pending.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return out;
}

/**
 * May the shard consumer of `lease` start? Only when every parent lease is checkpointed SHARD_END or gone (absent:
 * never created, or deleted after it finished) — KCL's BlockOnParentShardTask.
 */
export function parentsDone(lease: Lease, leasesByKey: ReadonlyMap<string, Lease>): boolean {
  return lease.parentShardIds.every((p) => {
    const parent = leasesByKey.get(p);
    return parent === undefined || isShardEnd(parent.checkpoint);
  });
}

/** A lease whose shard consumer has read something (or finished): checkpoint past its starting sentinel. */
function hasStarted(lease: Lease): boolean {
  return lease.checkpoint.kind === 'sequence' || isShardEnd(lease.checkpoint);
}

/**
 * Finished leases that may be deleted, kept simple and safe:
 * - checkpointed SHARD_END,
 * - with known children (its childShardIds, or leases naming it as a parent), each of which has a lease that has
 *   started (checkpoint past TRIM_HORIZON / LATEST / AT_TIMESTAMP) — so the sync never needs this lease again to
 *   know that its children follow a finished parent,
 * - and whose own parents have no lease any more (deletion goes top-down; otherwise a deleted child could not be
 *   told from a child not created yet when its parent's turn comes).
 */
export function planLeaseCleanup(leases: readonly Lease[]): string[] {
  const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
  const childrenOf = new Map<string, Set<string>>();
  for (const lease of leases) {
    for (const p of lease.parentShardIds) {
      const set = childrenOf.get(p) ?? new Set<string>();
      set.add(lease.leaseKey);
      childrenOf.set(p, set);
    }
  }
  const deletable: string[] = [];
  for (const lease of leases) {
    if (!isShardEnd(lease.checkpoint)) continue;
    if (lease.parentShardIds.some((p) => byKey.has(p))) continue;
    const children = new Set([...lease.childShardIds, ...(childrenOf.get(lease.leaseKey) ?? [])]);
    if (children.size === 0) continue;
    const allStarted = [...children].every((c) => {
      const child = byKey.get(c);
      return child !== undefined && hasStarted(child);
    });
    if (allStarted) deletable.push(lease.leaseKey);
  }
  return deletable.sort();
}
