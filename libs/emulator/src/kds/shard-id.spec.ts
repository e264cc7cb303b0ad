import { resolveShardId, shardIdOf } from './shard-id';

describe('shard ids', () => {
  it.each([
    ['shardId-000000000000', 0],
    ['shardId-0', 0],
    ['shard-0', 0],
    ['anything-7', 7],
    ['12', 12],
    ['-00002147483647', 2147483647],
    ['a-00002147483647', 2147483647],
    ['2147483647', 2147483647],
  ])('reads %j as shard %i, named canonically', (text, index) => {
    expect(resolveShardId(text)).toEqual({ index, shardId: shardIdOf(index) });
  });

  it.each(['ABKLFD8', '2.14E4', 'shardId-', 'shardId-x1', '2147483648', 'shardId-002147483648', 'shardId-1e3', 'a-b-1'])(
    'finds no shard in %j',
    (text) => {
      expect(resolveShardId(text)).toBeUndefined();
    },
  );

  it('pads to 12 digits, negative indices to 11 after the sign', () => {
    expect(shardIdOf(5)).toBe('shardId-000000000005');
    expect(shardIdOf(2147483647)).toBe('shardId-002147483647');
    expect(shardIdOf(-2147483648)).toBe('shardId--02147483648');
  });
});
