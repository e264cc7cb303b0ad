import { evenHashRanges } from '../hash-keys/even-hash-ranges';
import { hashKeyOf, MAX_HASH_KEY } from '../hash-keys/hash-key';
import { PartitioningError } from '../errors';
import { ShardMap, type ShardDescription } from './shard-map';

const id = (i: number): string => `shardId-${String(i).padStart(12, '0')}`;

/** ListShards-shaped shards for the even layout of a new stream of `count` shards. */
function evenShards(count: number): ShardDescription[] {
  return evenHashRanges(count).map((r, i) => ({
    ShardId: id(i),
    HashKeyRange: { StartingHashKey: r.start.toString(), EndingHashKey: r.end.toString() },
    SequenceNumberRange: { StartingSequenceNumber: '1' },
  }));
}

const range = (shardId: string, start: bigint, end: bigint, extra: Partial<ShardDescription> = {}): ShardDescription => ({
  ShardId: shardId,
  HashKeyRange: { StartingHashKey: start.toString(), EndingHashKey: end.toString() },
  SequenceNumberRange: { StartingSequenceNumber: '1' },
  ...extra,
});

describe('ShardMap', () => {
  it('maps every hash key of an even 4-shard stream, boundaries included', () => {
    const map = ShardMap.fromShards(evenShards(4));
    const q = 1n << 126n;
    expect(map.complete).toBe(true);
    expect(map.size).toBe(4);
    expect(map.shardIdFor(0n)).toBe(id(0));
    expect(map.shardIdFor(q - 1n)).toBe(id(0));
    expect(map.shardIdFor(q)).toBe(id(1));
    expect(map.shardIdFor(2n * q - 1n)).toBe(id(1));
    expect(map.shardIdFor(2n * q)).toBe(id(2));
    expect(map.shardIdFor(3n * q)).toBe(id(3));
    expect(map.shardIdFor(MAX_HASH_KEY)).toBe(id(3));
  });

  it('agrees with a linear scan for many keys on an uneven layout', () => {
    const shards = evenShards(7).reverse(); // listing order does not matter
    const map = ShardMap.fromShards(shards);
    const ranges = evenHashRanges(7);
    for (let i = 0; i < 2000; i++) {
      const key = hashKeyOf(`device-${i}`);
      const expected = ranges.findIndex((r) => r.start <= key && key <= r.end);
      expect(map.shardIdFor(key)).toBe(id(expected));
    }
  });

  it('leaves out closed shards and parents still listed as open, and keeps the children', () => {
    const half = 1n << 127n;
    const map = ShardMap.fromShards([
      range(id(0), 0n, MAX_HASH_KEY, { SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '9' } }),
      // A listing caught mid-split: the parent has no EndingSequenceNumber yet, but its children are listed.
      range(id(1), 0n, MAX_HASH_KEY),
      range(id(2), 0n, half - 1n, { ParentShardId: id(1) }),
      range(id(3), half, MAX_HASH_KEY, { ParentShardId: id(1) }),
    ]);
    expect(map.shards.map((s) => s.shardId)).toEqual([id(2), id(3)]);
    expect(map.complete).toBe(true);
    expect(map.get(id(2))?.parentShardId).toBe(id(1));
    expect(map.has(id(1))).toBe(false);
  });

  it('reports gaps (at the start, in the middle, at the end) and maps nothing there', () => {
    const map = ShardMap.fromShards([range(id(0), 10n, 19n), range(id(1), 30n, 39n)]);
    expect(map.complete).toBe(false);
    expect(map.issues).toEqual([
      { kind: 'gap', start: 0n, end: 9n, shardIds: [id(0)] },
      { kind: 'gap', start: 20n, end: 29n, shardIds: [id(0), id(1)] },
      { kind: 'gap', start: 40n, end: MAX_HASH_KEY, shardIds: [id(1)] },
    ]);
    expect(map.shardFor(5n)).toBeUndefined();
    expect(map.shardIdFor(10n)).toBe(id(0));
    expect(map.shardIdFor(25n)).toBeUndefined();
    expect(map.shardIdFor(39n)).toBe(id(1));
    expect(map.shardIdFor(40n)).toBeUndefined();
  });

  it('reports an overlap and gives the overlapping keys to the newer shard', () => {
    const map = ShardMap.fromShards([range(id(5), 0n, 100n), range(id(7), 50n, MAX_HASH_KEY)]);
    expect(map.issues).toEqual([{ kind: 'overlap', start: 50n, end: 100n, shardIds: [id(5), id(7)] }]);
    expect(map.shardIdFor(49n)).toBe(id(5));
    expect(map.shardIdFor(50n)).toBe(id(7));
    expect(map.shardIdFor(100n)).toBe(id(7));
    expect(map.shardIdFor(101n)).toBe(id(7));
  });

  it('an older shard overlapping inside a newer one keeps only what is its own', () => {
    const map = ShardMap.fromShards([range(id(9), 0n, 100n), range(id(2), 40n, 60n), range(id(10), 101n, MAX_HASH_KEY)]);
    expect(map.issues.map((i) => i.kind)).toEqual(['overlap']);
    expect(map.shardIdFor(50n)).toBe(id(9));
    expect(map.shardIdFor(100n)).toBe(id(9));
    expect(map.shardIdFor(101n)).toBe(id(10));
  });

  it('an empty listing maps nothing and is one gap', () => {
    const map = ShardMap.fromShards([]);
    expect(map.shardFor(0n)).toBeUndefined();
    expect(map.issues).toEqual([{ kind: 'gap', start: 0n, end: MAX_HASH_KEY, shardIds: [] }]);
  });

  it.each([
    ['no ShardId', { HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' } }],
    ['no range', { ShardId: id(0) }],
    ['a non-decimal bound', { ShardId: id(0), HashKeyRange: { StartingHashKey: '0x0', EndingHashKey: '1' } }],
    ['a bound above 2^128-1', { ShardId: id(0), HashKeyRange: { StartingHashKey: '0', EndingHashKey: (MAX_HASH_KEY + 1n).toString() } }],
    ['an end before the start', { ShardId: id(0), HashKeyRange: { StartingHashKey: '5', EndingHashKey: '4' } }],
  ])('refuses a shard with %s', (_label, shard) => {
    expect(() => ShardMap.fromShards([shard as ShardDescription])).toThrow(expect.objectContaining({ code: 'INVALID_SHARD' }));
    expect(() => ShardMap.fromShards([shard as ShardDescription])).toThrow(PartitioningError);
  });

  it('isStale: a placement on another shard than predicted, or on an unknown shard, means the map is out of date', () => {
    const map = ShardMap.fromShards(evenShards(2));
    const low = 5n;
    expect(map.isStale({ hashKey: low, shardId: id(0) })).toBe(false);
    expect(map.isStale({ hashKey: low, shardId: id(1) })).toBe(true);
    expect(map.isStale({ hashKey: low, shardId: id(2) })).toBe(true);
    expect(map.contains(id(0), low)).toBe(true);
    expect(map.contains(id(1), low)).toBe(false);
  });

  it('version and layout comparison', () => {
    const a = ShardMap.fromShards(evenShards(2));
    const b = ShardMap.fromShards(evenShards(2), { version: 2 });
    const c = ShardMap.fromShards(evenShards(3), { version: 3 });
    expect([a.version, b.version, c.version]).toEqual([1, 2, 3]);
    expect(a.sameLayoutAs(b)).toBe(true);
    expect(a.sameLayoutAs(c)).toBe(false);
  });
});
