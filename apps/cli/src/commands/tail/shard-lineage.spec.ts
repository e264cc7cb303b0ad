import type { Checkpoint } from '@tributary/kinesis-consumer';
import { ShardLineage } from './shard-lineage';

const TH: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };
const ids = (shards: Array<{ shardId: string }>): string[] => shards.map((s) => s.shardId);

describe('ShardLineage', () => {
  it('starts children after all their parents finished: a split then a merge', () => {
    // 0 split into 1 and 2; 1 and 2 merged into 3.
    const lineage = new ShardLineage([
      { shardId: 's0', parentShardIds: [], start: TH },
      { shardId: 's1', parentShardIds: ['s0'], start: TH },
      { shardId: 's2', parentShardIds: ['s0'], start: TH },
      { shardId: 's3', parentShardIds: ['s1', 's2'], start: TH },
    ]);
    expect(ids(lineage.takeReady())).toEqual(['s0']);
    expect(lineage.takeReady()).toEqual([]);
    lineage.finished('s0');
    expect(ids(lineage.takeReady())).toEqual(['s1', 's2']);
    lineage.finished('s1');
    expect(lineage.takeReady()).toEqual([]);
    expect(lineage.done).toBe(false);
    lineage.finished('s2');
    expect(ids(lineage.takeReady())).toEqual(['s3']);
    lineage.finished('s3');
    expect(lineage.done).toBe(true);
  });

  it('treats parents outside the set as finished', () => {
    const lineage = new ShardLineage([{ shardId: 's5', parentShardIds: ['trimmed'], start: TH }]);
    expect(ids(lineage.takeReady())).toEqual(['s5']);
  });

  it('adds children announced at a shard end once, at TRIM_HORIZON, after both parents of a merge', () => {
    const lineage = new ShardLineage([
      { shardId: 'a', parentShardIds: [], start: { kind: 'sentinel', value: 'LATEST' } },
      { shardId: 'b', parentShardIds: [], start: { kind: 'sentinel', value: 'LATEST' } },
    ]);
    lineage.takeReady();
    const child = { ShardId: 'c', ParentShards: ['a', 'b'] };
    lineage.finished('a', [child]);
    expect(lineage.takeReady()).toEqual([]);
    lineage.finished('b', [child]);
    expect(lineage.takeReady()).toEqual([{ shardId: 'c', parentShardIds: ['a', 'b'], start: TH }]);
    expect(lineage.size).toBe(3);
  });
});
