// Public entry point of @tributary/kinesis-consumer: exactly what its README's "Exports" section lists. Internals
// (the lease item codec, the per-shard record sources, ServiceHealth, …) stay inside; fuzz targets for tools are
// behind the second entry, @tributary/kinesis-consumer/testing.
export { KinesisConsumer, type KinesisConsumerOptions, type KinesisConsumerEvents, type ConsumerStats, type ShardStats, type ConsumerState, type BatchProcessedEvent } from './consumer/kinesis-consumer';
export type { ShardBatchEvent } from './consumer/shard-consumer';
export type { ConsumerService, ServiceStatus, ServiceTransition } from './consumer/service-health';
export { CONSUMER_DEFAULTS, LEASE_DEFAULTS, SHARD_SYNC_DEFAULTS, RETRIEVAL_DEFAULTS, PROCESSING_DEFAULTS } from './defaults';
export {
  ConsumerError,
  LeaseLostError,
  DependencyError,
  BatchProcessingError,
  type ConsumerErrorCode,
  type BatchOutcome,
  type BatchProcessingErrorCode,
} from './consumer-error';
export type { Checkpoint, CheckpointSentinel, ConsumerRecord, Lease, LeaseProgress, Logger, Clock, Timers, RetrievedBatch, ShardRecordSource, RecordSourceFactory } from './consumer-types';

// Processing: the handler contract, poison-pill handling, dead-letter destinations.
export { BatchProcessor } from './processing/batch-processor';
export { classifyHandlerFailure, type FailureOrigin } from './processing/failure-classifier';
export type { BatchProcessorOptions } from './processing/processing-options';
export {
  recordIdentifier,
  type BatchContext,
  type BatchHandler,
  type BatchResponse,
  type BatchItemFailure,
  type DeadLetterSink,
  type DeadLetterEntry,
  type DeadLetterCondition,
  type ProcessingOptions,
  type RetryBackoff,
  type ErrorSummary,
  type ProcessingRetryEvent,
  type ProcessingDeadLetterEvent,
  type ProcessingDiscardEvent,
} from './processing/processing-types';
export { CheckpointPolicy, type CheckpointAfter, type CheckpointProgress } from './processing/checkpoint-policy';
export {
  FileDeadLetterSink,
  KinesisDeadLetterSink,
  type FileDeadLetterSinkOptions,
  type KinesisDeadLetterSinkOptions,
  type PutRecordsClient,
} from './processing/dead-letter-sinks';
export { toDeadLetterEnvelope, parseDeadLetterEnvelope, type DeadLetterEnvelope } from './processing/dead-letter-envelope';

// Leases and shard discovery (for tools and for running the parts alone).
export { LeaseTable, type LeaseStore, type LeaseTableOptions, type WorkerHeartbeat, type HeartbeatWrite } from './leases/lease-table';
export {
  LeaseCoordinator,
  type LeaseCoordinatorOptions,
  type LeaseCoordinatorEvents,
  type LeaseAcquiredInfo,
  type LeaseLostInfo,
  type LeaseLostReason,
  type LeaseProtocol,
  type TakerRunEvent,
} from './leases/lease-coordinator';
export { HeartbeatLeaseCoordinator, createLeaseCoordinator } from './leases/heartbeat-coordinator';
export { observeHeartbeats, viewHeartbeats, decideLeaseScan, type HeartbeatObservation, type HeartbeatView, type LeaseScanReason } from './leases/heartbeat-planner';
export { planLeaseTaking, type LeaseTakingInput, type LeaseTakingPlan, type LeaseObservation } from './leases/lease-taker';
export {
  planShardSync,
  parentsDone,
  planLeaseCleanup,
  type InitialPosition,
  type ShardDescription,
  type ShardSyncPlan,
} from './shards/shard-sync-planner';
export { ShardSyncer, type ShardSyncerOptions, type ShardSyncResult, type ListShardsClient } from './shards/shard-syncer';

// Retrieval and deaggregation.
export {
  PollingRecordSourceFactory,
  type PollingRecordSourceOptions,
  type PollingKinesisClient,
  type PollingSourceStats,
} from './retrieval/polling-record-source';
export {
  FanOutRecordSourceFactory,
  type FanOutRecordSourceOptions,
  type FanOutKinesisClient,
  type FanOutSourceStats,
} from './retrieval/fan-out-record-source';
export { MultiplexedHttp2Handler, type MultiplexedHttp2HandlerOptions, type MultiplexedHttp2Stats } from './retrieval/multiplexed-http2-handler';
export {
  createConsumerKinesisClient,
  createFanOutKinesisClient,
  createConsumerKinesisClients,
  type ConsumerClientOptions,
  type ConsumerKinesisClients,
} from './retrieval/kinesis-clients';
export {
  deaggregateRecords,
  skipUpTo,
  comparePositions,
  type HashRange,
  type DeaggregationResult,
  type DeaggregationOptions,
} from './records/record-deaggregator';
