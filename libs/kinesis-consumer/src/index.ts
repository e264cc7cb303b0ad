// Public entry point of @tributary/kinesis-consumer.
export { KinesisConsumer, type KinesisConsumerOptions, type KinesisConsumerEvents, type ConsumerStats, type ShardStats, type ConsumerState, type BatchProcessedEvent } from './consumer/kinesis-consumer';
export type { ShardBatchEvent } from './consumer/shard-consumer';
export { ServiceHealth, serviceOf, type ConsumerService, type ServiceStatus, type ServiceTransition } from './consumer/service-health';
export { CONSUMER_DEFAULTS } from './defaults';
export { ConsumerError, LeaseLostError, DependencyError, type ConsumerErrorCode } from './consumer-error';
export type { Checkpoint, CheckpointSentinel, ConsumerRecord, Lease, LeaseProgress, Logger, Clock, Timers, RetrievedBatch, ShardRecordSource, RecordSourceFactory } from './consumer-types';

// Processing: the handler contract, poison-pill handling, dead-letter destinations.
export { BatchProcessor, summarizeError } from './processing/batch-processor';
export { classifyHandlerFailure, type FailureOrigin } from './processing/failure-classifier';
export { BatchProcessingError, type BatchOutcome, type BatchProcessingErrorCode } from './processing/processing-error';
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
export { PROCESSING_DEFAULTS } from './processing/processing-defaults';

// Leases and shard discovery (for tools and for running the parts alone).
export { LeaseTable, type LeaseStore, type LeaseTableOptions } from './leases/lease-table';
export {
  LeaseCoordinator,
  type LeaseCoordinatorOptions,
  type LeaseCoordinatorEvents,
  type LeaseAcquiredInfo,
  type LeaseLostInfo,
  type LeaseLostReason,
  type TakerRunEvent,
} from './leases/lease-coordinator';
export { planLeaseTaking, type LeaseTakingInput, type LeaseTakingPlan, type LeaseObservation } from './leases/lease-taker';
export { LEASE_DEFAULTS, defaultRenewIntervalMs, defaultTakerIntervalMs } from './leases/lease-defaults';
export { LEASE_ATTRIBUTES, leaseToItem, itemToLease, progressAttributes, LeaseFormatError, isShardEnd } from './leases/lease-serializer';
export {
  planShardSync,
  parentsDone,
  planLeaseCleanup,
  initialCheckpoint,
  type InitialPosition,
  type ShardDescription,
  type ShardSyncPlan,
} from './shards/shard-sync-planner';
export { ShardSyncer, type ShardSyncerOptions, type ShardSyncResult, type ListShardsClient } from './shards/shard-syncer';
export { SHARD_SYNC_DEFAULTS } from './shards/shard-defaults';

// Retrieval and deaggregation.
export {
  PollingRecordSourceFactory,
  PollingShardRecordSource,
  type PollingRecordSourceOptions,
  type PollingKinesisClient,
  type PollingSourceStats,
} from './retrieval/polling-record-source';
export {
  FanOutRecordSourceFactory,
  FanOutShardRecordSource,
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
export { RETRIEVAL_DEFAULTS } from './retrieval/retrieval-defaults';
export {
  deaggregateRecords,
  skipUpTo,
  comparePositions,
  effectiveHashKey,
  type HashRange,
  type DeaggregationResult,
  type DeaggregationOptions,
} from './records/record-deaggregator';
