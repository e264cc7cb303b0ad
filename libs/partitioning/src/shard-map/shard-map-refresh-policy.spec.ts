import { evenHashRanges } from '../hash-keys/even-hash-ranges';
import { PartitioningError } from '../errors';
import { ShardMap } from './shard-map';
import { ShardMapRefreshPolicy } from './shard-map-refresh-policy';

class FakeClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

const mapOf = (count: number, version = 1): ShardMap =>
  ShardMap.fromShards(
    evenHashRanges(count).map((r, i) => ({ ShardId: `shardId-${i}`, HashKeyRange: { StartingHashKey: `${r.start}`, EndingHashKey: `${r.end}` } })),
    { version },
  );

describe('ShardMapRefreshPolicy', () => {
  it('wants an initial refresh at once, then none until the map ages', () => {
    const clock = new FakeClock();
    const policy = new ShardMapRefreshPolicy({ clock, maxAgeMs: 60_000 });
    expect(policy.reason).toBe('initial');
    expect(policy.delayMs()).toBe(0);
    policy.started();
    expect(policy.succeeded(mapOf(2))).toBe(true);
    expect(policy.reason).toBeUndefined();
    expect(policy.delayMs()).toBe(60_000);
    clock.t += 59_999;
    expect(policy.reason).toBeUndefined();
    clock.t += 1;
    expect(policy.reason).toBe('max-age');
    expect(policy.delayMs()).toBe(0);
  });

  it('a wrong-shard placement asks for a refresh, spaced by minIntervalMs', () => {
    const clock = new FakeClock();
    const policy = new ShardMapRefreshPolicy({ clock, minIntervalMs: 1_000, maxAgeMs: 0 });
    policy.started();
    policy.succeeded(mapOf(2));
    expect(policy.delayMs()).toBe(Infinity);
    expect(policy.observePlacement({ hashKey: 0n, shardId: 'shardId-0' })).toBe(false);
    expect(policy.reason).toBeUndefined();
    clock.t += 300;
    expect(policy.observePlacement({ hashKey: 0n, shardId: 'shardId-7' })).toBe(true);
    expect(policy.reason).toBe('wrong-shard');
    expect(policy.delayMs()).toBe(700);
    clock.t += 700;
    expect(policy.delayMs()).toBe(0);
    policy.started();
    expect(policy.succeeded(mapOf(2, 2))).toBe(false); // same layout
    expect(policy.reason).toBeUndefined();
  });

  it('an incomplete map keeps a refresh pending', () => {
    const policy = new ShardMapRefreshPolicy({ clock: new FakeClock() });
    policy.started();
    policy.succeeded(ShardMap.fromShards([{ ShardId: 's', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '10' } }]));
    expect(policy.reason).toBe('incomplete');
  });

  it('failures back off 1 s, 1.5 s, 2.25 s … up to 30 s', () => {
    const clock = new FakeClock();
    const policy = new ShardMapRefreshPolicy({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      policy.started();
      policy.failed();
      delays.push(policy.delayMs());
    }
    expect(delays.slice(0, 4)).toEqual([1000, 1500, 2250, 3375]);
    expect(delays[11]).toBe(30_000);
    expect(policy.failures).toBe(12);
    policy.started();
    policy.succeeded(mapOf(1));
    expect(policy.failures).toBe(0);
  });

  it('validates its options', () => {
    expect(() => new ShardMapRefreshPolicy({ minIntervalMs: -1 })).toThrow(PartitioningError);
    expect(() => new ShardMapRefreshPolicy({ failureBackoffMultiplier: 0.5 })).toThrow(PartitioningError);
  });
});
