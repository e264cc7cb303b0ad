/**
 * AWS failures of the lease table (DynamoDB) and of shard listing (Kinesis) as the consumer's typed errors, by
 * table (conventions.md §9): a failed condition means another worker holds the lease now (LeaseLostError); a
 * missing table or stream is not worth retrying; throttling, 5xx and network errors are. The general table is the
 * producer's `classifyCallError` (AWS names, errno codes, HTTP statuses); DynamoDB's own names come first.
 */
import { classifyCallError } from '@tributary/errors';
import { ConsumerError, DependencyError, LeaseLostError } from '../consumer-error';

/** DynamoDB error names → retriable? (the ones the general table does not know, or means otherwise). */
const DYNAMODB_RETRIABLE: Readonly<Record<string, boolean>> = {
  ProvisionedThroughputExceededException: true,
  RequestLimitExceeded: true,
  ThrottlingException: true,
  LimitExceededException: true,
  TransactionConflictException: true,
  TransactionInProgressException: true,
  InternalServerError: true,
  ReplicatedWriteConflictException: true,
  ResourceNotFoundException: false,
  ResourceInUseException: true, // table CREATING / UPDATING: usable once ACTIVE
  ItemCollectionSizeLimitExceededException: false,
  ValidationException: false,
  SerializationException: false,
  AccessDeniedException: false,
  UnrecognizedClientException: false,
};

function nameOf(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : '';
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return nameOf(error) === 'ConditionalCheckFailedException';
}

export function isAwsError(error: unknown, name: string): boolean {
  return nameOf(error) === name;
}

/** Any AWS call's failure as a DependencyError (already-typed consumer errors pass through). */
export function toDependencyError(operation: string, error: unknown): ConsumerError {
  if (error instanceof ConsumerError) return error;
  const name = nameOf(error);
  const classified = classifyCallError(error);
  // Own rows only: the name comes from the wire, and `constructor` is `in` every object.
  const known = Object.hasOwn(DYNAMODB_RETRIABLE, name);
  const retriable = known ? DYNAMODB_RETRIABLE[name] : classified.kind !== 'permanent';
  const code = known ? name : classified.code;
  return new DependencyError(operation, code, `${operation} failed: ${code}: ${classified.message}`, retriable, { cause: error });
}

/** A lease write's failure: a failed condition → LeaseLostError, anything else → DependencyError. */
export function toLeaseWriteError(operation: string, leaseKey: string, error: unknown): ConsumerError {
  if (isConditionalCheckFailed(error)) {
    return new LeaseLostError(leaseKey, `${operation} of lease ${leaseKey} rejected: another worker holds it now, or it changed.`, { cause: error });
  }
  return toDependencyError(operation, error);
}
