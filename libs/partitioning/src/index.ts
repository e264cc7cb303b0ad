export { PartitioningError, type PartitioningErrorCode } from './partitioning-error';
export {
  hashKeyOf,
  parseExplicitHashKey,
  formatHashKey,
  assertValidPartitionKey,
  MAX_HASH_KEY,
  MAX_PARTITION_KEY_LENGTH,
} from './hash-key';
export { HashKeyCache } from './hash-key-cache';
export {
  ShardMap,
  type ShardDescription,
  type ShardRange,
  type ShardMapIssue,
  type ShardMapOptions,
  type PlacementObservation,
} from './shard-map';
export { ShardMapRefreshPolicy, type ShardMapRefreshPolicyOptions, type RefreshReason } from './shard-map-refresh-policy';
export type { KeyStrategy, KeyStrategyName } from './key-strategy';
export { PerDeviceKeyStrategy } from './per-device-key-strategy';
export { RandomKeyStrategy, type RandomKeyStrategyOptions } from './random-key-strategy';
export { HotKeySpreader, type HotKeySpreaderOptions } from './hot-key-spreader';
export { createKeyStrategy, type KeyStrategyConfig } from './key-strategy-factory';
export { evenHashRanges } from './even-hash-ranges';
