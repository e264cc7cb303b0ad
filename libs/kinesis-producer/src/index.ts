// Public entry point of @tributary/kinesis-producer: what README.md documents (see its "Exports"). The KPL record
// format is @tributary/kpl's; the logger, clock and timer interfaces are @tributary/runtime's. Test helpers (the
// durable buffer's fuzz targets) are behind the second entry, @tributary/kinesis-producer/testing.
export { KinesisProducer } from './producer/kinesis-producer';
export type { KinesisProducerOptions, KinesisClientLike } from './producer/producer-options';
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
export type { DeliveryStatus } from './producer/delivery-log-summarizer';
export { createKinesisClient, type DefaultClientOptions } from './dispatch/kinesis-client-factory';
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
