/**
 * The error a batch rejects with when it cannot be finished: it carries the progress made so far, so the shard
 * consumer can still checkpoint the records that are done (handled or dead-lettered) before it stops, and
 * nothing past them (at-least-once).
 */
import type { ConsumerRecord } from '../consumer-types';
import { ConsumerError, type ConsumerErrorCode } from '../consumer-error';

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
