/**
 * Defaults of the processing part of the consumer (batch processor, checkpoint policy, dead-letter sinks). Lambda's
 * event source mapping defaults are in kds-reference.md §5; where ours differ, the comment says why.
 */
export const PROCESSING_DEFAULTS = {
  /**
   * Lambda's default is -1 (retry until the record expires, up to a week of a blocked shard). Ours is bounded:
   * with a dead-letter destination the shard moves on after 1 + 3 attempts of the failing record.
   */
  maximumRetryAttempts: 3,
  /** Lambda's default is false; without it a whole batch fails with its poison record. */
  bisectBatchOnFunctionError: true,
  /** As Lambda: no age limit (retention still applies). */
  maximumRecordAgeInSeconds: -1,
  /** Retry n waits uniform in [0, min(maxMs, baseMs · 2^(n−1))]: 0.5, 1, 2 s ceilings for the default 3 retries. */
  retryBackoff: { baseMs: 500, maxMs: 30_000 },
  /** Checkpoint after each batch (KCL's usual `checkpoint()` at the end of processRecords). */
  checkpointAfter: 'batch' as const,
  /** KinesisDeadLetterSink: PutRecords attempts for an entry before send() rejects, and their backoff. */
  kinesisSinkMaxAttempts: 5,
  kinesisSinkBackoff: { baseMs: 100, maxMs: 2_000 },
} as const;

/** PutRecords limits (Kinesis API reference): 500 entries and 5 MiB per call, 1 MiB of data + partition key per record. */
export const PUT_RECORDS_LIMITS = {
  maxEntries: 500,
  maxBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
} as const;
