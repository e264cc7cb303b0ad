export { KinesisProducer } from './kinesis-producer';
export type { KinesisProducerOptions, KinesisClientLike, Logger, Clock, Timers } from './producer-options';
export type { PutRecordInput, PutResult, FailedRecord, ProducerStats } from './producer-types';
export {
  ProducerError,
  RecordExpiredError,
  RecordRejectedError,
  ProducerClosedError,
  type ProducerErrorCode,
  type DeliveryContext,
} from './producer-error';
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
} from './producer-events';
export { createKinesisClient, type DefaultClientOptions } from './kinesis-client-factory';
export {
  AggregateBuilder,
  deaggregate,
  isAggregated,
  AGGREGATION_MAGIC,
  AGGREGATION_OVERHEAD_BYTES,
  type AggregatableRecord,
  type DeaggregatedRecord,
} from './aggregation-codec';
export { PRODUCER_DEFAULTS, KINESIS_LIMITS, DURABLE_BUFFER_DEFAULTS } from './defaults';
export {
  DurableProducer,
  type DurableProducerOptions,
  type DurableBufferOptions,
  type DurablePutResult,
  type DurableProducerStats,
  type DurableProducerEvents,
} from './durable-producer';
export type { BufferDropReason } from './durable-buffer-store';
export { DeliveryLogSummarizer, type DeliveryStatus } from './delivery-log-summarizer';
