import { ManualClock } from '@tributary/runtime/testing';
import type { ShardLog } from '../storage/shard-log';
import { CALL_BURST_SECONDS, DEFAULT_SHARD_LIMITS, Shard, type ShardMeta } from './stream-model';

const meta: ShardMeta = { shardId: 'shardId-000000000000', index: 0, startingHashKey: '0', endingHashKey: '9', createdAt: 0 };
const unusedLog = {} as ShardLog;

const takeAll = (take: () => boolean): number => {
  let n = 0;
  while (n < 1000 && take()) n++;
  return n;
};

describe("a shard's call rates", () => {
  it.each(['iteratorCalls', 'readCalls'] as const)('%s: a burst of two seconds of calls, then the rate', (bucket) => {
    const clock = new ManualClock(0);
    const shard = new Shard(meta, unusedLog, DEFAULT_SHARD_LIMITS, clock);
    expect(CALL_BURST_SECONDS).toBe(2);
    expect(takeAll(() => shard[bucket].tryTake(1))).toBe(10);
    clock.advance(1000);
    expect(takeAll(() => shard[bucket].tryTake(1))).toBe(5);
    clock.advance(60_000);
    expect(takeAll(() => shard[bucket].tryTake(1))).toBe(10);
  });

  it('keeps the write rates without a burst', () => {
    const shard = new Shard(meta, unusedLog, DEFAULT_SHARD_LIMITS, new ManualClock(0));
    expect(shard.writeRecords.available()).toBe(1000);
  });
});
