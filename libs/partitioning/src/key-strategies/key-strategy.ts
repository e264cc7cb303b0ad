/**
 * How a record's natural key (a device id, a user id) becomes its Kinesis partition key. Kinesis keeps the order
 * of records per shard, so the choice trades order against spread:
 *
 * | strategy            | order of one key's records | spread over shards                           |
 * |---------------------|----------------------------|----------------------------------------------|
 * | `per-device`        | kept (one key, one shard)  | as even as the keys; one hot key = one hot shard |
 * | `random`            | none                       | even                                         |
 * | `hot-key-spreading` | kept while a key is cool   | a hot key is spread over N sub-keys          |
 */
export type KeyStrategyName = 'per-device' | 'random' | 'hot-key-spreading';

export interface KeyStrategy {
  readonly name: KeyStrategyName;
  /**
   * True when every record of one natural key always gets the same partition key, so the producer's ordered
   * mode keeps its order. `hot-key-spreading` gives this up for the keys it spreads.
   */
  readonly preservesOrder: boolean;
  /** The partition key of the next record of `naturalKey`. May count the record (hot-key spreading does). */
  partitionKeyFor(naturalKey: string): string;
}
