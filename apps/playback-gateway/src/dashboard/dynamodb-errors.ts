/**
 * DynamoDB failures of the dashboard's reads as GatewayErrors, by one table of AWS exception names
 * (conventions.md §9). Every one of them is the gateway's trouble, not the client's: a missing table or refused
 * credentials is a deployment fault (502), throttling asks the client to come back (503).
 */
import { GatewayError, type GatewayErrorCode } from '../gateway-error';

const DYNAMODB_EXCEPTIONS: Readonly<Record<string, GatewayErrorCode>> = {
  ProvisionedThroughputExceededException: 'UPSTREAM_THROTTLED',
  ThrottlingException: 'UPSTREAM_THROTTLED',
  RequestLimitExceeded: 'UPSTREAM_THROTTLED',
  LimitExceededException: 'UPSTREAM_THROTTLED',
  AccessDeniedException: 'UPSTREAM_DENIED',
  UnrecognizedClientException: 'UPSTREAM_DENIED',
  ResourceNotFoundException: 'UPSTREAM_ERROR',
  TimeoutError: 'UPSTREAM_TIMEOUT',
  AbortError: 'UPSTREAM_TIMEOUT',
};

/** `err` of `operation` on `table` as a GatewayError; GatewayErrors pass through. */
export function classifyDynamoDbError(err: unknown, operation: string, table: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const name = typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : '';
  // Own rows only: the name comes from the wire (`constructor` would find Object.prototype's).
  const code = (Object.hasOwn(DYNAMODB_EXCEPTIONS, name) ? DYNAMODB_EXCEPTIONS[name] : undefined) ?? 'UPSTREAM_ERROR';
  const why = name === 'ResourceNotFoundException' ? 'the table does not exist' : name || 'error';
  return new GatewayError(code, `DynamoDB ${operation} on ${table} failed (${why}).`, { cause: err });
}
