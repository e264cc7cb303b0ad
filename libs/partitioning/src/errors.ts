/**
 * The one error class of @tributary/partitioning. Every failure here is a caller's input problem (a malformed
 * hash key, a bad option), so none is retriable: retrying the same input gives the same answer.
 */
export type PartitioningErrorCode = 'INVALID_PARTITION_KEY' | 'INVALID_EXPLICIT_HASH_KEY' | 'INVALID_SHARD' | 'INVALID_OPTION';

export class PartitioningError extends Error {
  override readonly name = 'PartitioningError';
  readonly retriable = false;
  constructor(
    readonly code: PartitioningErrorCode,
    message: string,
    /** Context for logs: the offending value, the option name, the shard id. */
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
