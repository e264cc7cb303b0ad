/**
 * Shard ids as AWS reads them: the service takes the number after the hyphen and ignores the prefix, so
 * `shardId-000000000003`, `shardId-3`, `shard-3`, `anything-3` and `3` all name shard 3, and answers with the
 * canonical `shardId-000000000003`. A text with no usable number (`ABKLFD8`, `2.14E4`, `shardId-`) or a number
 * above 2^31 − 1 names no shard at all.
 */
const MAX_SHARD_INDEX = 2 ** 31 - 1;

/** `shardId-` and the index in 12 digits (AWS pads negative indices to 11, as "shardId--02147483648"). */
export function shardIdOf(index: number): string {
  if (index < 0) return `shardId--${String(-index).padStart(11, '0')}`;
  return `shardId-${String(index).padStart(12, '0')}`;
}

export interface ResolvedShardId {
  index: number;
  shardId: string;
}

/** The shard a client's id names; undefined when it names none (AWS: "Could not find shard <text> …"). */
export function resolveShardId(text: string): ResolvedShardId | undefined {
  // The piece after the first hyphen, or the whole text when there is none (kinesalite's reading of AWS).
  const digits = text.split('-')[1] || text;
  if (!/^\d+$/.test(digits)) return undefined;
  const index = Number(digits);
  if (!(index <= MAX_SHARD_INDEX)) return undefined;
  return { index, shardId: shardIdOf(index) };
}
