/**
 * Errors of @tributary/kinesis-producer: one base class on tributary's TributaryError (@tributary/errors) with a
 * stable `code`, a `retriable` flag (would putting the same record again later have a chance?), the `cause` and
 * context fields (kafkajs errors.js style). Each class others test with `instanceof` has its own brand, so the
 * test holds across bundles. The KPL codec's MALFORMED_AGGREGATE is @tributary/kpl's KplError.
 */
import { TributaryError } from '@tributary/errors';

export type ProducerErrorCode =
  /** The record itself is unacceptable (partition key, size, explicit hash key): fix the input. */
  | 'INVALID_RECORD'
  /** An option is missing or out of range (raised by the constructor). */
  | 'INVALID_OPTION'
  /** The record could not be delivered within its time-to-live (recordTtlMs). */
  | 'RECORD_EXPIRED'
  /** Kinesis refused the record with a non-retriable error (stream missing, access denied, KMS, validation). */
  | 'RECORD_REJECTED'
  /** put() after close(). */
  | 'PRODUCER_CLOSED'
  /** spill-frame-codec: a durable-buffer frame whose length or CRC does not hold (a torn or damaged write). */
  | 'MALFORMED_SPILL_FRAME'
  /** The durable buffer dropped the record: its byte or age bound was reached before Kinesis took it. */
  | 'BUFFER_DROPPED'
  /** The durable buffer could not write or read its files (disk full, permissions). */
  | 'BUFFER_IO'
  /** A bug: an invariant of the producer did not hold. */
  | 'INTERNAL';

export class ProducerError extends TributaryError<ProducerErrorCode> {
  static override readonly brand: string = 'tributary.kinesis-producer.ProducerError';
  override name = 'ProducerError';
}

/** Where a record failed, for logs, dead-letter sinks and metrics. */
export interface DeliveryContext {
  streamName: string;
  /** The shard the record was predicted to go to, when a shard map was known. */
  shardId?: string;
  /** PutRecords attempts made for the record. */
  attempts: number;
  /** Milliseconds from put() to the failure. */
  elapsedMs: number;
  /** The error code of the first and of the last failed attempt (AWS error names, errno codes). */
  firstErrorCode?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
}

/** A record whose time-to-live passed before Kinesis acknowledged it. */
export class RecordExpiredError extends ProducerError {
  static override readonly brand: string = 'tributary.kinesis-producer.RecordExpiredError';
  override name = 'RecordExpiredError';
  constructor(readonly context: DeliveryContext) {
    super(
      'RECORD_EXPIRED',
      `Record not delivered to ${context.streamName} within its time-to-live (${context.elapsedMs} ms, ${context.attempts} attempt(s)` +
        (context.lastErrorCode ? `, last error ${context.lastErrorCode}` : '') +
        ').',
      true,
    );
  }
}

/** A record Kinesis refused with an error that retrying cannot fix. */
export class RecordRejectedError extends ProducerError {
  static override readonly brand: string = 'tributary.kinesis-producer.RecordRejectedError';
  override name = 'RecordRejectedError';
  constructor(
    readonly context: DeliveryContext,
    cause?: unknown,
  ) {
    super(
      'RECORD_REJECTED',
      `Kinesis rejected the record for ${context.streamName}: ${context.lastErrorCode ?? 'error'}${context.lastErrorMessage ? ` (${context.lastErrorMessage})` : ''}.`,
      false,
      { cause },
    );
  }
}

export class ProducerClosedError extends ProducerError {
  static override readonly brand: string = 'tributary.kinesis-producer.ProducerClosedError';
  override name = 'ProducerClosedError';
  constructor() {
    super('PRODUCER_CLOSED', 'The producer is closed: put() is refused after close().', false);
  }
}
