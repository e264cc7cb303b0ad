/**
 * What the producer works out once per partition key and shares between all the records put under it: the
 * UTF-8 length, the 128-bit hash key (MD5), the channel the key routes to under the current shard map, and the
 * slot the key takes in the partition-key table of the aggregate being built.
 *
 * Telemetry keys repeat (one per device), so a record then costs one Map lookup for all of these: before, each
 * put paid a HashKeyCache lookup, a Buffer.byteLength, a binary search of BigInt hash ranges and a Map lookup
 * of the shard's channel, and each aggregated record two more Map lookups in the aggregate's key table (and a
 * third while encoding). The records reference the shared object, so a record is also two fields smaller.
 * An entry costs about 160 bytes besides the key string (HashKeyCache's about 70, measured): 16 MB at the
 * default 100,000 keys, twice that at most while a larger key set cycles through both generations.
 */
import { hashKeyOf } from '@tributary/partitioning';
import type { AggregationKeySlot } from '@tributary/kpl';
import type { ShardChannel } from '../routing/shard-channel';

export class KeyInfo implements AggregationKeySlot {
  /** The channel this key routes to, valid while `routeVersion` is the producer's (a new map bumps it). */
  channel: ShardChannel | undefined = undefined;
  routeVersion = -1;
  /** AggregateBuilder's table slot for this key (see AggregationKeySlot). */
  aggregateEpoch = 0;
  aggregateIndex = 0;
  /** Made on first use: records with an ExplicitHashKey never need the MD5 of their partition key. */
  private hash: bigint | undefined = undefined;

  constructor(
    readonly partitionKey: string,
    /** UTF-8 length of the partition key. */
    readonly bytes: number,
  ) {}

  /** The 128-bit hash key Kinesis derives from the partition key. */
  get hashKey(): bigint {
    return (this.hash ??= hashKeyOf(this.partitionKey));
  }
}

/**
 * partition key → KeyInfo, in two generations of `maxEntries` (HashKeyCache's scheme): a working set of up to
 * `maxEntries` keys keeps hitting in any order, and memory stays bounded by twice that.
 */
export class KeyInfoCache {
  private young = new Map<string, KeyInfo>();
  private old = new Map<string, KeyInfo>();

  constructor(private readonly maxEntries: number) {}

  /** The key's info; `partitionKey` must be a valid partition key (the caller checks it first). */
  get(partitionKey: string): KeyInfo {
    let info = this.young.get(partitionKey);
    if (info !== undefined) return info;
    info = this.old.get(partitionKey) ?? new KeyInfo(partitionKey, Buffer.byteLength(partitionKey, 'utf8'));
    if (this.young.size >= this.maxEntries) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(partitionKey, info);
    return info;
  }
}
