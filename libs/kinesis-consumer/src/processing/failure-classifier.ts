/**
 * Whose failure is a handler's error: the platform's (a service throttled, failed with a 5xx, or could not be
 * reached) or the handler's own (the record is invalid, poison, or the code has a bug). Only the handler's own
 * failures spend a record's retry budget and end in the dead-letter destination: a record that failed because
 * DynamoDB was down is valid, and dead-lettering it 1.5 s into an outage (the default budget of 3 retries) was a
 * false alarm (issue 12). Platform failures are retried with capped backoff for as long as they last; the shard
 * waits, nothing is checkpointed past the record.
 *
 * By table, in order (conventions.md §9):
 * 1. names that are bugs or bad input, never the platform's (TypeError, RangeError, SyntaxError, …);
 * 2. a typed error's own `retriable` flag (this project's errors, kafkajs-style errors): the code that raised it
 *    knew whether trying again could help;
 * 3. AWS and network failures as @tributary/errors' `classifyCallError` sees them (DynamoDB's names included: sinks
 *    write there): throttling is the platform's; `transient` is the platform's only with evidence of a failed call
 *    (an SDK error's `$metadata`, an errno code, an AWS error name, a timeout), since that classifier calls anything
 *    unknown transient and a plain `Error('boom')` from the handler must still reach the dead-letter destination
 *    after its retries;
 * 4. anything else is the handler's.
 */
import { AWS_ERRORS, DYNAMODB_ERRORS, classifyCallError, isNetworkErrorCode } from '@tributary/errors';

export type FailureOrigin = 'platform' | 'handler';

/** Error names that are never the platform's (the classifier below would call SyntaxError a truncated answer). */
const HANDLER_ERROR_NAMES: ReadonlySet<string> = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'InvalidBatchResponse']);

/**
 * Evidence of a failed call besides an SDK error's `$metadata`: a network code or an AWS error name the shared
 * tables know, or the SDK's own timeout. Looked up, not matched by shape: an application's own `E_POISON` is no outage.
 */
function isKnownCallFailure(code: string): boolean {
  return isNetworkErrorCode(code) || Object.hasOwn(AWS_ERRORS, code) || Object.hasOwn(DYNAMODB_ERRORS, code) || code === 'TimeoutError';
}

interface ErrorLike {
  name?: unknown;
  retriable?: unknown;
  $metadata?: unknown;
  cause?: unknown;
}

function isSdkError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as ErrorLike;
  if (typeof e.$metadata === 'object' && e.$metadata !== null) return true;
  return e.cause !== undefined && e.cause !== error && isSdkError(e.cause, depth + 1);
}

/** Whether a handler's failure is the platform's (retried without spending budget) or its own. Pure. */
export function classifyHandlerFailure(error: unknown): FailureOrigin {
  if (typeof error !== 'object' || error === null) return 'handler';
  const e = error as ErrorLike;
  if (typeof e.name === 'string' && HANDLER_ERROR_NAMES.has(e.name)) return 'handler';
  if (typeof e.retriable === 'boolean') return e.retriable ? 'platform' : 'handler';
  const classified = classifyCallError(error, DYNAMODB_ERRORS);
  if (classified.kind === 'throttled') return 'platform';
  if (classified.kind === 'permanent') return 'handler';
  if (isSdkError(error) || isKnownCallFailure(classified.code)) return 'platform';
  return 'handler';
}
