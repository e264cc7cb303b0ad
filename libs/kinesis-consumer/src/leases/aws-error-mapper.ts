/**
 * AWS failures of the lease table (DynamoDB) and of shard listing (Kinesis) as the consumer's typed errors
 * (conventions.md §9): a failed condition means another worker holds the lease now (LeaseLostError); everything
 * else is a DependencyError whose `retriable` and `awsCode` are what the one shared classifier says
 * (@tributary/errors' classifyCallError, with DynamoDB's own names read first): a missing table or stream is not
 * worth retrying; throttling, 5xx and network errors are.
 */
import { DYNAMODB_ERRORS, classifyCallError, isAwsError } from '@tributary/errors';
import { ConsumerError, DependencyError, LeaseLostError } from '../consumer-error';

export function isConditionalCheckFailed(error: unknown): boolean {
  return isAwsError(error, 'ConditionalCheckFailedException');
}

/** Any AWS call's failure as a DependencyError (already-typed consumer errors pass through). */
export function toDependencyError(operation: string, error: unknown): ConsumerError {
  if (error instanceof ConsumerError) return error;
  const { code, message, retriable } = classifyCallError(error, DYNAMODB_ERRORS);
  return new DependencyError(operation, code, `${operation} failed: ${code}: ${message}`, retriable, { cause: error });
}

/** A lease write's failure: a failed condition → LeaseLostError, anything else → DependencyError. */
export function toLeaseWriteError(operation: string, leaseKey: string, error: unknown): ConsumerError {
  if (isConditionalCheckFailed(error)) {
    return new LeaseLostError(leaseKey, `${operation} of lease ${leaseKey} rejected: another worker holds it now, or it changed.`, { cause: error });
  }
  return toDependencyError(operation, error);
}
