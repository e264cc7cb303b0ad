/**
 * The one error class of @tributary/partitioning. Every failure here is a caller's input problem (a malformed
 * hash key, a bad option), so none is retriable: retrying the same input gives the same answer.
 */
import { TributaryError } from '@tributary/errors';

export type PartitioningErrorCode = 'INVALID_PARTITION_KEY' | 'INVALID_EXPLICIT_HASH_KEY' | 'INVALID_SHARD' | 'INVALID_OPTION';

export class PartitioningError extends TributaryError<PartitioningErrorCode> {
  static override readonly brand: string = 'tributary.partitioning.PartitioningError';
  override readonly name = 'PartitioningError';
  declare readonly retriable: false;
  constructor(
    code: PartitioningErrorCode,
    message: string,
    /** Context for logs: the offending value, the option name, the shard id. */
    readonly context: Record<string, unknown> = {},
  ) {
    super(code, message, false);
  }
}
