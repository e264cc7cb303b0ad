// Public entry of @tributary/emulator: what libs/emulator/README.md documents (startEmulator, its options and
// handle, the fsync policy, fault rules, CONNECTION_DEFAULTS and KDS_LIMITS). Test helpers are behind
// '@tributary/emulator/testing'; everything else is internal.
export {
  startEmulator,
  type ConnectionOptions,
  type DynamoDbOptions,
  type EmulatorOptions,
  type KvsOptions,
  type RunningEmulator,
} from './emulator';
export type { FsyncPolicy } from './storage/storage-engine';
export type { FaultRuleInput, FaultRule, FaultService } from './server/fault-injector';
export type { ShardLimits } from './kds/stream-model';
export { CONNECTION_DEFAULTS, KDS_LIMITS } from './defaults';
