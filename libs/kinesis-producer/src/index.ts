export { KinesisProducer } from './producer/kinesis-producer';
export type { KinesisProducerOptions, KinesisClientLike, Logger, Clock, Timers } from './producer/producer-options';
export type { PutRecordInput, PutResult, FailedRecord, ProducerStats } from './producer/producer-types';
export {
  ProducerError,
  RecordExpiredError,
  RecordRejectedError,
  ProducerClosedError,
  type ProducerErrorCode,
  type DeliveryContext,
} from './errors';
export {
  DIAGNOSTICS_CHANNELS,
  PRODUCER_EVENT_NAMES,
  type ProducerEventMap,
  type ProducerEventName,
  type RecordsPutEvent,
  type RetryEvent,
  type ThrottleEvent,
  type FailureEvent,
  type RequestErrorEvent,
  type WrongShardEvent,
  type MisplacedAggregateEvent,
  type ShardMapEvent,
  type ShardMapErrorEvent,
  type BackpressureEvent,
} from './producer/producer-events';
export { createKinesisClient, type DefaultClientOptions } from './dispatch/kinesis-client-factory';
export {
  AggregateBuilder,
  deaggregate,
  isAggregated,
  AGGREGATION_MAGIC,
  AGGREGATION_OVERHEAD_BYTES,
  type AggregatableRecord,
  type DeaggregatedRecord,
} from '@tributary/kpl';
export { PRODUCER_DEFAULTS, KINESIS_LIMITS, DURABLE_BUFFER_DEFAULTS } from './defaults';
export {
  DurableProducer,
  type DurableProducerOptions,
  type DurableBufferOptions,
  type DurablePutResult,
  type DurableProducerStats,
  type DurableProducerEvents,
} from './durable/durable-producer';
export type { BufferDropReason } from './durable/durable-buffer-store';
export { DeliveryLogSummarizer, type DeliveryStatus } from './producer/delivery-log-summarizer';
