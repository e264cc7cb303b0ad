/**
 * Which shards `tail` reads and when: a child shard starts only after every parent it has in the set finished
 * (SHARD_END), so a partition key's records come out in order across a split or a merge. Pure bookkeeping; the
 * reader loop asks `ready()` and reports `finished()`.
 *
 * A parent that is not in the set (trimmed out of retention, or left out by `--from latest`, which reads only
 * open shards) counts as finished. Children announced at a shard's end (GetRecords ChildShards) that ListShards
 * did not show at start (a reshard while tailing) are added then, at TRIM_HORIZON: all their records follow the
 * parent's.
 */
import type { Checkpoint } from '@tributary/kinesis-consumer';

export interface PlannedShard {
  shardId: string;
  parentShardIds: readonly string[];
  start: Checkpoint;
}

type ShardState = 'waiting' | 'reading' | 'finished';

const TRIM_HORIZON: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };

export class ShardLineage {
  private readonly shards = new Map<string, { plan: PlannedShard; state: ShardState }>();

  constructor(planned: readonly PlannedShard[]) {
    for (const plan of planned) this.shards.set(plan.shardId, { plan, state: 'waiting' });
  }

  /** Shards that may start now (parents finished); they are marked reading. */
  takeReady(): PlannedShard[] {
    const out: PlannedShard[] = [];
    for (const entry of this.shards.values()) {
      if (entry.state !== 'waiting') continue;
      if (entry.plan.parentShardIds.every((p) => this.shards.get(p)?.state !== 'waiting' && this.shards.get(p)?.state !== 'reading')) {
        entry.state = 'reading';
        out.push(entry.plan);
      }
    }
    return out;
  }

  /**
   * A shard was read to its end (or, without --follow, to its tip). `children` are the ChildShards of its last
   * response: those not known yet are added, to start once all their parents finished.
   */
  finished(shardId: string, children: ReadonlyArray<{ ShardId?: string; ParentShards?: string[] }> = []): void {
    const entry = this.shards.get(shardId);
    if (entry) entry.state = 'finished';
    for (const child of children) {
      if (!child.ShardId || this.shards.has(child.ShardId)) continue;
      this.shards.set(child.ShardId, { plan: { shardId: child.ShardId, parentShardIds: child.ParentShards ?? [shardId], start: TRIM_HORIZON }, state: 'waiting' });
    }
  }

  /** Every shard in the set finished. */
  get done(): boolean {
    for (const entry of this.shards.values()) if (entry.state !== 'finished') return false;
    return true;
  }

  get size(): number {
    return this.shards.size;
  }
}
