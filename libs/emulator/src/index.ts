export {
  startEmulator,
  type ConnectionOptions,
  type DynamoDbOptions,
  type EmulatorOptions,
  type KvsOptions,
  type RunningEmulator,
} from './emulator';
export { ManualClock, systemClock, type Clock } from './clock';
export { noopLogger, type Logger } from './logger';
export { AwsServiceError } from './errors';
export type { FsyncPolicy } from './storage/storage-engine';
export type { FaultRuleInput, FaultRule, FaultService } from './server/fault-injector';
export type { ShardLimits } from './kds/stream-model';
export { CONNECTION_DEFAULTS, DEFAULT_PORT, DYNAMODB_SIZES, KDS_LIMITS, KDS_SIZES, KDS_TIMES, KVS_LIMITS, KVS_TIMES } from './defaults';
export { KDS_OPERATIONS } from './kds/kds-service';
export { DYNAMODB_OPERATIONS } from './dynamodb/dynamodb-service';
export { KVS_OPERATIONS } from './kvs/kvs-service';
export type { KvsSettings } from './kvs/kvs-context';
