/**
 * The hash-key ranges Kinesis gives the N shards of a new stream: width = floor(2^128 / N); shard i covers
 * [i·width, (i+1)·width − 1] and the last one ends at 2^128 − 1 (kds-reference.md §1.2; kinesalite
 * `createStream`). Also what `UpdateShardCount` with UNIFORM_SCALING aims for.
 */
import { MAX_HASH_KEY } from './hash-key';
import { PartitioningError } from '../errors';

export function evenHashRanges(count: number): Array<{ start: bigint; end: bigint }> {
  if (!Number.isInteger(count) || count < 1) {
    throw new PartitioningError('INVALID_OPTION', `A stream has at least one shard; got ${count}.`, { option: 'count' });
  }
  const width = (MAX_HASH_KEY + 1n) / BigInt(count);
  const ranges: Array<{ start: bigint; end: bigint }> = [];
  for (let i = 0; i < count; i++) {
    const start = BigInt(i) * width;
    ranges.push({ start, end: i === count - 1 ? MAX_HASH_KEY : start + width - 1n });
  }
  return ranges;
}
