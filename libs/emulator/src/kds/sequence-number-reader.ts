/**
 * How the service reads a sequence number a client gives it (GetShardIterator, SubscribeToShard), to answer
 * as it does: it knows three layouts, told apart by size and the last hex digit (kinesalite's parseSequence
 * recorded them). Numbers below 2^124 are read as if 2^124 were added (the old "version 0" numbers), so `5`
 * names shard 5, and `0` is a version-0 number of shard 0.
 */
const POW_2_124 = 1n << 124n;
const VERSION_0_END = 1n << 129n;
const POW_2_185 = 1n << 185n;
const VERSION_1_2_END = 3n << 184n;
/** Creation seconds from this on are refused (a date in the year 2477). */
const MAX_CREATED_SECONDS = 16_025_175_000;

export interface ServiceSequenceNumber {
  version: 0 | 1 | 2;
  shardIndex: number;
  shardCreatedSeconds: number;
}

const hexInt = (hex: string): number => parseInt(hex, 16);

/** The version, shard and shard creation a sequence number encodes; undefined when the service calls it invalid. */
export function readServiceSequenceNumber(text: string): ServiceSequenceNumber | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  let value = BigInt(text);
  if (value < POW_2_124) value += POW_2_124;
  const hex = value.toString(16);
  let version: number;
  if (value < VERSION_0_END) version = 0;
  else if (value > POW_2_185 && value < VERSION_1_2_END) version = hexInt(hex.slice(-1));
  else return undefined;
  const shardCreatedSeconds = hexInt(hex.slice(1, 10));
  if (version === 2) {
    if (hexInt(hex[11]) > 7) return undefined; // the record index is below 2^63
    const shardHex = hex.slice(38, 46);
    // A shard index with its top bit set reads as negative ("It encodes shardId--02147483648").
    const shardIndex = hexInt(shardHex[0]) > 7 ? -hexInt(shardHex) : hexInt(shardHex);
    if (shardCreatedSeconds >= MAX_CREATED_SECONDS) return undefined;
    return { version, shardIndex, shardCreatedSeconds };
  }
  if (version === 1) return { version, shardIndex: hexInt(hex.slice(38, 46)), shardCreatedSeconds };
  if (version === 0) {
    if (shardCreatedSeconds >= MAX_CREATED_SECONDS) return undefined;
    return { version, shardIndex: hexInt(hex.slice(28, 32)), shardCreatedSeconds };
  }
  return undefined;
}
