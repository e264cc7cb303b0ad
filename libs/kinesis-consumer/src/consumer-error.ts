/**
 * Every error class of @tributary/kinesis-consumer, in one file. One base class with a stable `code`, a `retriable` flag (would trying
 * again later have a chance?) and the `cause` (kafkajs errors.js style), on the one base of every lib,
 * @tributary/errors' TributaryError: each class declares a brand, so `instanceof` holds across bundles.
 */
import { TributaryError } from '@tributary/errors';
import type { ConsumerRecord } from './consumer-types';

export type ConsumerErrorCode =
  /** An option is missing or out of range (raised by constructors). */
  | 'INVALID_OPTION'
  /** A conditional write on a lease failed: another worker holds it now. Stop processing the shard. */
  | 'LEASE_LOST'
  /** An AWS call (Kinesis, DynamoDB) failed; `retriable` says whether a later attempt may succeed. */
  | 'DEPENDENCY'
  /** The stream or shard does not exist (any more). */
  | 'SHARD_NOT_FOUND'
  /** The user's handler threw or reported failures. */
  | 'HANDLER_FAILED'
  /** A record could not be written to its dead-letter destination. */
  | 'DEAD_LETTER_FAILED'
  /** Bytes that cannot be decoded (a broken KPL aggregate, an invalid record). */
  | 'MALFORMED_RECORD'
  /** The consumer is shutting down. */
  | 'SHUTDOWN'
  /** A bug: an invariant did not hold. */
  | 'INTERNAL';

export class ConsumerError extends TributaryError<ConsumerErrorCode> {
  static override readonly brand: string = 'tributary.kinesis-consumer.ConsumerError';
  override name = 'ConsumerError';
  constructor(code: ConsumerErrorCode, message: string, retriable: boolean, options: { cause?: unknown } = {}) {
    super(code, message, retriable, options);
  }
}

/** A conditional write on the lease failed: the worker no longer holds it. */
export class LeaseLostError extends ConsumerError {
  static override readonly brand: string = 'tributary.kinesis-consumer.LeaseLostError';
  override name = 'LeaseLostError';
  constructor(
    readonly leaseKey: string,
    message = `Lease ${leaseKey} is held by another worker now.`,
    options: { cause?: unknown } = {},
  ) {
    super('LEASE_LOST', message, false, options);
  }
}

/** An AWS dependency failed. `awsCode` is the AWS error name or errno code. */
export class DependencyError extends ConsumerError {
  static override readonly brand: string = 'tributary.kinesis-consumer.DependencyError';
  override name = 'DependencyError';
  constructor(
    readonly operation: string,
    readonly awsCode: string,
    message: string,
    retriable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super('DEPENDENCY', message, retriable, options);
  }
}

/** A lease item we cannot read (written by something else, or damaged). */
export class LeaseFormatError extends ConsumerError {
  override name = 'LeaseFormatError';
  constructor(
    readonly leaseKey: string | undefined,
    message: string,
  ) {
    super('INTERNAL', message, false);
  }
}

// ---- processing/ ----

/**
 * The error a batch rejects with when it cannot be finished: it carries the progress made so far, so the shard
 * consumer can still checkpoint the records that are done (handled or dead-lettered) before it stops, and
 * nothing past them (at-least-once).
 */

/** What a process() call got done, contiguous from the first record of the batch. */
export interface BatchOutcome {
  /** The last record such that it and every record before it in the batch are done; undefined when none is. */
  processedUpTo?: ConsumerRecord;
  /** Records whose handler call succeeded. */
  handled: number;
  /** Records sent to the dead-letter destination. */
  deadLettered: number;
  /** Records older than maximumRecordAgeInSeconds dropped because no dead-letter destination is set (as Lambda discards them). */
  discarded: number;
  /** Failed handler calls that were followed by another attempt (a retry or a bisection). */
  retries: number;
  /** Of those, the ones that split the batch (they use no retry budget). */
  bisections: number;
  handlerCalls: number;
}

export type BatchProcessingErrorCode = Extract<ConsumerErrorCode, 'HANDLER_FAILED' | 'DEAD_LETTER_FAILED' | 'SHUTDOWN'>;

export class BatchProcessingError extends ConsumerError {
  static override readonly brand: string = 'tributary.kinesis-consumer.BatchProcessingError';
  override name = 'BatchProcessingError';
  constructor(
    code: BatchProcessingErrorCode,
    message: string,
    retriable: boolean,
    /** The progress before the failure: checkpoint up to `outcome.processedUpTo` at most. */
    readonly outcome: BatchOutcome,
    readonly context: { shardId: string; record?: ConsumerRecord; attempts?: number },
    options: { cause?: unknown } = {},
  ) {
    super(code, message, retriable, options);
  }
}
