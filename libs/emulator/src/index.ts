export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator';
export { ManualClock, systemClock, type Clock } from './clock';
export { noopLogger, type Logger } from './logger';
export { AwsServiceError } from './errors';
export type { FsyncPolicy } from './storage/storage-engine';
export type { FaultRuleInput, FaultRule } from './server/fault-injector';
export type { ShardLimits } from './kds/stream-model';
export { DEFAULT_PORT, KDS_LIMITS, KDS_SIZES, KDS_TIMES } from './defaults';
export { KDS_OPERATIONS } from './kds/kds-service';
