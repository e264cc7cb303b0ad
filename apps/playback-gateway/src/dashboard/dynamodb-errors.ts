/**
 * DynamoDB failures of the dashboard's reads as GatewayErrors: @tributary/errors classifies them (with DynamoDB's
 * own names), the gateway's common answers say what the client gets (gateway-error.ts). Every one of them is the
 * gateway's trouble, not the client's: a missing table or refused credentials is a deployment fault (502),
 * throttling asks the client to come back (503).
 */
import { awsErrorName, DYNAMODB_ERRORS } from '@tributary/errors';
import { classifyUpstreamError, type GatewayError } from '../gateway-error';

/** `err` of `operation` on `table` as a GatewayError; GatewayErrors pass through. */
export function classifyDynamoDbError(err: unknown, operation: string, table: string): GatewayError {
  return classifyUpstreamError(err, DYNAMODB_ERRORS, {}, () => {
    const name = awsErrorName(err);
    // The upstream's own words (account ids, ARNs) stay in the log, not in the client's answer.
    const why = name === 'ResourceNotFoundException' ? 'the table does not exist' : name || 'error';
    return `DynamoDB ${operation} on ${table} failed (${why}).`;
  });
}
