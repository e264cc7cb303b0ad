/**
 * What a failed Kinesis read means for a record source, as a table over the one shared classification
 * (@tributary/errors: AWS error names, errno codes, HTTP statuses; conventions.md §9) plus the cases retrieval
 * treats specially:
 * an expired iterator (get a new one, no backoff), a missing stream or shard (stop: SHARD_NOT_FOUND), and a
 * subscription refused because another one is active (ResourceInUse: wait out the 5-s takeover window).
 */
import { classifyCallError } from '@tributary/errors';
import { ConsumerError, DependencyError } from '../consumer-error';

export type RetrievalFailureKind = 'expired-iterator' | 'not-found' | 'in-use' | 'throttled' | 'transient' | 'permanent';

export interface RetrievalFailure {
  kind: RetrievalFailureKind;
  code: string;
  message: string;
}

const SPECIAL: Readonly<Record<string, RetrievalFailureKind>> = {
  ExpiredIteratorException: 'expired-iterator',
  ResourceNotFoundException: 'not-found',
  ResourceInUseException: 'in-use',
};

export function classifyRetrievalError(error: unknown): RetrievalFailure {
  const c = classifyCallError(error);
  // Own rows only: the code is an AWS error name from the wire.
  const special = Object.hasOwn(SPECIAL, c.code) ? SPECIAL[c.code] : undefined;
  return { kind: special ?? c.kind, code: c.code, message: c.message };
}

/** The error a record source reports for `failure` of `operation` on `shardId`. */
export function retrievalError(operation: string, shardId: string, failure: RetrievalFailure, cause: unknown): ConsumerError {
  if (failure.kind === 'not-found') {
    return new ConsumerError('SHARD_NOT_FOUND', `${operation} on ${shardId}: ${failure.message}`, false, { cause });
  }
  const retriable = failure.kind !== 'permanent';
  return new DependencyError(operation, failure.code, `${operation} on ${shardId} failed (${failure.code}): ${failure.message}`, retriable, { cause });
}

export function shutdownError(shardId: string, cause?: unknown): ConsumerError {
  return new ConsumerError('SHUTDOWN', `The record source of ${shardId} is closed.`, false, cause === undefined ? {} : { cause });
}
