import { hashKeyOf } from '../hash-keys/hash-key';
import { HotKeySpreader } from './hot-key-spreader';
import { createKeyStrategy } from './key-strategy-factory';
import { PartitioningError } from '../errors';
import { PerDeviceKeyStrategy } from './per-device-key-strategy';
import { RandomKeyStrategy } from './random-key-strategy';
import { ShardMap } from '../shard-map/shard-map';
import { evenHashRanges } from '../hash-keys/even-hash-ranges';
import { seededRandom } from '@tributary/runtime/testing';

class FakeClock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
}

/** A seeded generator, so spreads are the same on every run. */
const seeded = seededRandom;

describe('PerDeviceKeyStrategy', () => {
  it('uses the device id as the key and keeps order', () => {
    const s = new PerDeviceKeyStrategy();
    expect(s.partitionKeyFor('dev-42')).toBe('dev-42');
    expect(s.preservesOrder).toBe(true);
    expect(() => s.partitionKeyFor('')).toThrow(PartitioningError);
  });
});

describe('RandomKeyStrategy', () => {
  it('spreads evenly over the shards', () => {
    const s = new RandomKeyStrategy({ random: seeded(7) });
    const map = ShardMap.fromShards(
      evenHashRanges(4).map((r, i) => ({ ShardId: `s${i}`, HashKeyRange: { StartingHashKey: `${r.start}`, EndingHashKey: `${r.end}` } })),
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 40_000; i++) {
      const shard = map.shardIdFor(hashKeyOf(s.partitionKeyFor('ignored'))) as string;
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    // Each shard gets 25% ± 1.5% (the binomial standard deviation is 0.2%).
    for (const n of counts.values()) expect(Math.abs(n / 40_000 - 0.25)).toBeLessThan(0.015);
    expect(s.preservesOrder).toBe(false);
  });

  it('is repeatable with an injected random source', () => {
    const a = new RandomKeyStrategy({ random: seeded(1) });
    const b = new RandomKeyStrategy({ random: seeded(1) });
    expect([a.partitionKeyFor(), a.partitionKeyFor()]).toEqual([b.partitionKeyFor(), b.partitionKeyFor()]);
  });
});

describe('HotKeySpreader', () => {
  it('keeps a cool key as is', () => {
    const clock = new FakeClock();
    const s = new HotKeySpreader({ thresholdPerSecond: 10, subKeys: 4, clock });
    for (let i = 0; i < 10; i++) {
      expect(s.partitionKeyFor('dev-1')).toBe('dev-1');
      clock.t += 100;
    }
    expect(s.isHot('dev-1')).toBe(false);
  });

  it('spreads a key over key#0..N-1 round robin once its rate passes the threshold', () => {
    const clock = new FakeClock(5_000);
    const changes: Array<[string, boolean]> = [];
    const s = new HotKeySpreader({ thresholdPerSecond: 10, subKeys: 3, clock, onChange: (k, hot) => changes.push([k, hot]) });
    const keys: string[] = [];
    for (let i = 0; i < 14; i++) keys.push(s.partitionKeyFor('dev-hot'));
    // Records 1..10 keep the key (rate 10/s is not above 10/s); the 11th makes it hot.
    expect(keys).toEqual([...Array(10).fill('dev-hot'), 'dev-hot#0', 'dev-hot#1', 'dev-hot#2', 'dev-hot#0']);
    expect(s.isHot('dev-hot')).toBe(true);
    expect(s.partitionKeyFor('dev-other')).toBe('dev-other');
    expect(changes).toEqual([['dev-hot', true]]);
    expect(s.subKeysOf('k')).toEqual(['k#0', 'k#1', 'k#2']);
  });

  it('measures over a sliding window and cools down with hysteresis', () => {
    const clock = new FakeClock(0);
    const s = new HotKeySpreader({ thresholdPerSecond: 100, subKeys: 2, windowMs: 1000, coolDownRatio: 0.5, clock });
    // 200 records/s for 2 s: hot.
    for (let i = 0; i < 400; i++) {
      s.partitionKeyFor('k');
      clock.t += 5;
    }
    expect(s.isHot('k')).toBe(true);
    expect(s.rateOf('k')).toBeCloseTo(200, -1);
    // 80 records/s: under the threshold but above the 50/s cool-down line: stays hot.
    for (let i = 0; i < 160; i++) {
      s.partitionKeyFor('k');
      clock.t += 12.5;
    }
    expect(s.isHot('k')).toBe(true);
    // 20 records/s: cools down, the key is itself again.
    let last = '';
    for (let i = 0; i < 60; i++) {
      last = s.partitionKeyFor('k');
      clock.t += 50;
    }
    expect(s.isHot('k')).toBe(false);
    expect(last).toBe('k');
  });

  it('the previous window counts in proportion to its overlap', () => {
    const clock = new FakeClock(0);
    const s = new HotKeySpreader({ thresholdPerSecond: 1000, windowMs: 1000, clock });
    for (let i = 0; i < 100; i++) s.partitionKeyFor('k'); // 100 records at t=0
    clock.t = 1250; // next window, a quarter in: 75% of the previous window still overlaps
    expect(s.rateOf('k')).toBeCloseTo(75, 6);
    clock.t = 2100; // two windows later: the old counts are gone
    expect(s.rateOf('k')).toBe(0);
  });

  it('tracks at most maxTrackedKeys keys, forgetting idle ones first', () => {
    const clock = new FakeClock(0);
    const s = new HotKeySpreader({ maxTrackedKeys: 100, clock });
    for (let i = 0; i < 100; i++) s.partitionKeyFor(`old-${i}`);
    clock.t = 10_000;
    for (let i = 0; i < 50; i++) s.partitionKeyFor(`new-${i}`);
    expect(s.trackedKeys).toBe(50);
    for (let i = 0; i < 1000; i++) s.partitionKeyFor(`busy-${i}`);
    expect(s.trackedKeys).toBeLessThanOrEqual(100);
  });

  it('a key too long for a suffix is not spread', () => {
    const s = new HotKeySpreader({ thresholdPerSecond: 1, clock: new FakeClock() });
    const long = 'x'.repeat(255);
    for (let i = 0; i < 5; i++) expect(s.partitionKeyFor(long)).toBe(long);
  });

  it.each([
    [{ thresholdPerSecond: 0 }],
    [{ subKeys: 1 }],
    [{ windowMs: -5 }],
    [{ coolDownRatio: 1.5 }],
    [{ maxTrackedKeys: 0 }],
  ])('refuses %j', (options) => {
    expect(() => new HotKeySpreader(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('createKeyStrategy', () => {
  it('builds each strategy from configuration', () => {
    expect(createKeyStrategy({ type: 'per-device' }).name).toBe('per-device');
    expect(createKeyStrategy({ type: 'random' }).name).toBe('random');
    const hot = createKeyStrategy({ type: 'hot-key-spreading', subKeys: 5 });
    expect(hot).toBeInstanceOf(HotKeySpreader);
    expect((hot as HotKeySpreader).subKeys).toBe(5);
    expect(() => createKeyStrategy({ type: 'nope' } as never)).toThrow(PartitioningError);
  });
});
