import { parentsFirst } from './shard-order';

const ids = (shards: { ShardId?: string }[]) => shards.map((s) => s.ShardId);

describe('parentsFirst', () => {
  it('puts a split parent before its children and a merge child after both parents', () => {
    const shards = [
      { ShardId: 's4', ParentShardId: 's2', AdjacentParentShardId: 's3' },
      { ShardId: 's3', ParentShardId: 's1' },
      { ShardId: 's2', ParentShardId: 's1' },
      { ShardId: 's1' },
      { ShardId: 's0' },
    ];
    const order = ids(parentsFirst(shards));
    expect(order).toHaveLength(5);
    for (const [parent, child] of [['s1', 's2'], ['s1', 's3'], ['s2', 's4'], ['s3', 's4']]) {
      expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
    }
  });

  it('does not wait for parents that are no longer listed', () => {
    expect(ids(parentsFirst([{ ShardId: 'b', ParentShardId: 'gone' }, { ShardId: 'a' }]))).toEqual(['a', 'b']);
  });

  it('ends on a (malformed) cycle instead of looping', () => {
    expect(ids(parentsFirst([{ ShardId: 'a', ParentShardId: 'b' }, { ShardId: 'b', ParentShardId: 'a' }])).sort()).toEqual(['a', 'b']);
  });
});
