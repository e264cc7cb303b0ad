/**
 * The contract between the user's batch handler and the consumer, shaped after Lambda's Kinesis event source
 * mapping (kds-reference.md §5) where the concept matches: the handler gets a shard's records in order and may
 * answer with `batchItemFailures` (ReportBatchItemFailures); what cannot be processed goes to a dead-letter
 * destination (DestinationConfig.OnFailure) with its full payload, which Lambda's SQS/SNS destinations do not keep.
 */
import type { ConsumerRecord } from '../consumer-types';

/** What the handler gets with each batch. */
export interface BatchContext {
  shardId: string;
  streamName: string;
  /** How far behind the tip of the shard the batch was read (GetRecords MillisBehindLatest). */
  millisBehindLatest?: number;
  /**
   * Checkpoint now, at `record` (or at the last record of the batch). Meant for `checkpointAfter: 'manual'`;
   * a record must not be checkpointed before it is done (at-least-once).
   */
  checkpoint(record?: ConsumerRecord): Promise<void>;
  /**
   * Aborted when the consumer stops working on the shard (shutdown, lease lost). The batch processor stops
   * retrying when it fires; a long handler may watch it too.
   */
  signal?: AbortSignal;
}

/**
 * One failed record of a batch, as Lambda's partial batch response names it. `itemIdentifier` is
 * `recordIdentifier(record)`. Extensions: `retriable: false` sends the record to the dead-letter destination at
 * once, without retries (invalid input); `error` is what the dead-letter entry will say went wrong.
 */
export interface BatchItemFailure {
  itemIdentifier: string;
  retriable?: boolean;
  error?: unknown;
}

/**
 * The handler's optional answer. An absent/null/empty `batchItemFailures` is a success for the whole batch; an
 * entry with an empty, missing or unknown `itemIdentifier` fails the whole batch (as Lambda treats it).
 */
export interface BatchResponse {
  batchItemFailures: BatchItemFailure[];
}

/** The user's code. Throwing fails the whole batch; resolving with failures fails those records (and, for order, retries what follows them). */
export type BatchHandler = (records: ConsumerRecord[], context: BatchContext) => Promise<void | BatchResponse>;

/** Why a record was dead-lettered (the first is Lambda's `condition` value; the others name our two other exits). */
export type DeadLetterCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'NonRetriableFailure';

/** A record that leaves the shard's processing without its handler succeeding. */
export interface DeadLetterEntry {
  record: ConsumerRecord;
  streamName: string;
  condition: DeadLetterCondition;
  error: { name: string; message: string; code?: string };
  /** Failed handler attempts counted against the retry budget (0 when the record expired before any). */
  attempts: number;
  firstFailureAt: Date;
  lastFailureAt: Date;
}

/**
 * Where dead-lettered records go. `send` resolves only once the entries are stored durably (the consumer then
 * checkpoints past them); a rejection keeps them, and everything after them, unacknowledged.
 */
export interface DeadLetterSink {
  send(entries: DeadLetterEntry[]): Promise<void>;
  close?(): Promise<void>;
}

/** Backoff between retries of a failing record: full jitter, uniform in [0, min(maxMs, baseMs · 2^(retry−1))]. */
export interface RetryBackoff {
  baseMs: number;
  maxMs: number;
}

/** The poison-pill settings (Lambda event source mapping names). Defaults in ../defaults.ts (PROCESSING_DEFAULTS). */
export interface ProcessingOptions {
  /** Retries of a failing record after its first failure; -1 = until it succeeds or expires (default 3). */
  maximumRetryAttempts?: number;
  /** On a whole-batch failure, split the batch in two and retry the halves; splits use no retry (default true). */
  bisectBatchOnFunctionError?: boolean;
  /** Records older than this (by approximateArrivalTimestamp) skip the handler and are dead-lettered; -1 = no limit (default). */
  maximumRecordAgeInSeconds?: number;
  retryBackoff?: Partial<RetryBackoff>;
  /** The dead-letter destination. Without one, a record that exhausts its retries stops the shard (process() rejects). */
  onFailure?: DeadLetterSink;
}

/** The identifier of a record in a partial batch response: `sequenceNumber`, or `sequenceNumber:subSequenceNumber` inside an aggregate. */
export function recordIdentifier(record: ConsumerRecord): string {
  return record.aggregated ? `${record.sequenceNumber}:${record.subSequenceNumber}` : record.sequenceNumber;
}

/** The error fields kept in dead-letter entries and events. */
export interface ErrorSummary {
  name: string;
  message: string;
  code?: string;
}

/** A failed handler call that will be followed by another attempt. */
export interface ProcessingRetryEvent {
  shardId: string;
  streamName: string;
  /**
   * 'retry': the same records again after a backoff (uses retry budget); 'bisect': the first half of the failed
   * batch, at once; 'platform': the same records again after a capped backoff, because a service the handler
   * needs failed (throttled, 5xx, unreachable): no retry budget is used, the shard waits until it clears.
   */
  kind: 'retry' | 'bisect' | 'platform';
  /** Records in the failed call, and in the next one. */
  failedRecords: number;
  nextRecords: number;
  /** For 'retry': the retry number of the failing record (1 for its first retry); for 'platform': consecutive platform failures; 0 for 'bisect'. */
  retry: number;
  delayMs: number;
  error: ErrorSummary;
}

/** Entries the dead-letter destination acknowledged (each says its condition). */
export interface ProcessingDeadLetterEvent {
  shardId: string;
  streamName: string;
  entries: DeadLetterEntry[];
}

/** Records past maximumRecordAgeInSeconds dropped because no dead-letter destination is configured. */
export interface ProcessingDiscardEvent {
  shardId: string;
  streamName: string;
  records: ConsumerRecord[];
}
