/**
 * Shards in lineage order, parents before children (a split's two children after their parent, a merge's child
 * after both parents), so that a replay of a resharded stream sends each key's records in their original order.
 * Kinesis's rule (KCL ShardSyncer, kds-reference.md): a child is read only once its parents are finished. Parents
 * that are no longer listed (past retention) do not hold a child back. Pure.
 */

export interface ShardLink {
  ShardId?: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
}

export function parentsFirst<T extends ShardLink>(shards: readonly T[]): T[] {
  const byId = new Map(shards.map((s) => [s.ShardId as string, s]));
  const placed = new Set<string>();
  const out: T[] = [];
  const visit = (shard: T, trail: Set<string>): void => {
    const id = shard.ShardId as string;
    if (placed.has(id) || trail.has(id)) return;
    trail.add(id);
    for (const parent of [shard.ParentShardId, shard.AdjacentParentShardId]) {
      const p = parent === undefined ? undefined : byId.get(parent);
      if (p) visit(p, trail);
    }
    placed.add(id);
    out.push(shard);
  };
  for (const shard of [...shards].sort((a, b) => (a.ShardId as string).localeCompare(b.ShardId as string))) visit(shard, new Set());
  return out;
}
