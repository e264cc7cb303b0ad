export { PartitioningError, type PartitioningErrorCode } from './errors';
export {
  hashKeyOf,
  parseExplicitHashKey,
  formatHashKey,
  assertValidPartitionKey,
  MAX_HASH_KEY,
  MAX_PARTITION_KEY_LENGTH,
} from './hash-keys/hash-key';
export { HashKeyCache } from './hash-keys/hash-key-cache';
export {
  ShardMap,
  type ShardDescription,
  type ShardRange,
  type ShardMapIssue,
  type ShardMapOptions,
  type PlacementObservation,
} from './shard-map/shard-map';
export { ShardMapRefreshPolicy, type ShardMapRefreshPolicyOptions, type RefreshReason } from './shard-map/shard-map-refresh-policy';
export type { KeyStrategy, KeyStrategyName } from './key-strategies/key-strategy';
export { PerDeviceKeyStrategy } from './key-strategies/per-device-key-strategy';
export { RandomKeyStrategy, type RandomKeyStrategyOptions } from './key-strategies/random-key-strategy';
export { HotKeySpreader, type HotKeySpreaderOptions } from './key-strategies/hot-key-spreader';
export { createKeyStrategy, type KeyStrategyConfig } from './key-strategies/key-strategy-factory';
export { evenHashRanges } from './hash-keys/even-hash-ranges';
