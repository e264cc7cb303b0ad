/** The `Shard` structure of DescribeStream and ListShards, and ChildShards of GetRecords / SubscribeToShard. */
import type { Shard } from './stream-model';
import type { Stream } from './stream-registry';
import { ENDING_ORDINAL } from './sequence-number';

export function shardView(shard: Shard): Record<string, unknown> {
  const m = shard.meta;
  return {
    ShardId: m.shardId,
    ...(m.parentShardId ? { ParentShardId: m.parentShardId } : {}),
    ...(m.adjacentParentShardId ? { AdjacentParentShardId: m.adjacentParentShardId } : {}),
    HashKeyRange: { StartingHashKey: m.startingHashKey, EndingHashKey: m.endingHashKey },
    SequenceNumberRange: {
      // Sequence ordinal 0 is never a record's (records start at 1), so AFTER_SEQUENCE_NUMBER of the starting
      // number is the first record.
      StartingSequenceNumber: shard.sequencer.encode(0, shard.createdSeconds * 1000),
      ...(m.closedAt !== undefined ? { EndingSequenceNumber: shard.sequencer.encode(ENDING_ORDINAL, m.closedAt) } : {}),
    },
  };
}

export function childShardsView(stream: Stream, shard: Shard): Array<Record<string, unknown>> {
  return stream.childrenOf(shard.id).map((child) => ({
    ShardId: child.id,
    ParentShards: [child.meta.parentShardId, child.meta.adjacentParentShardId].filter((p): p is string => !!p),
    HashKeyRange: { StartingHashKey: child.meta.startingHashKey, EndingHashKey: child.meta.endingHashKey },
  }));
}
