/**
 * What every DynamoDB sink of the worker (the device-state and rollup tables) does with its table, in one place:
 * create it if it is missing and wait until it is ACTIVE (the shared @tributary/dynamodb-tables helper, its
 * failures as the sink's TelemetryConsumerError), and write conditional PutItems a few at a time
 * (conditionalPuts, on @tributary/runtime's limiter). Whether a failed write may succeed later is the shared AWS
 * classifier's answer (@tributary/errors), with one sink-specific row: a missing table may be recreated.
 */
import { PutItemCommand, type DynamoDBClient, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ensureTable as ensureSharedTable, TableError, type EnsureTableResult, type TableKey } from '@tributary/dynamodb-tables';
import { DYNAMODB_ERRORS, awsErrorName, classifyCallError, isAwsError, type AwsErrorTable } from '@tributary/errors';
import { mapWithConcurrency } from '@tributary/runtime';
import type { Logger } from '../logger';
import { TelemetryConsumerError, type TelemetryConsumerErrorCode } from '../telemetry-consumer-error';
import type { Clock, Timers } from '../time';

export type { EnsureTableResult, TableKey, TtlOutcome } from '@tributary/dynamodb-tables';

export interface EnsureTableOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Hash key first, then the range key if any. */
  keys: readonly TableKey[];
  /** What the table holds, for messages: "device-state", "rollup". */
  label: string;
  /** The error code of the sink's failures. */
  code: TelemetryConsumerErrorCode;
  /** Epoch-seconds attribute to enable TTL on, when this call creates the table. */
  ttlAttribute?: string;
  activeTimeoutMs: number;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}

/**
 * DynamoDB's names as a sink's write sees them: the general and DynamoDB tables, except that a missing table is
 * worth another try (it was deleted and may be recreated; a retry of the batch will tell).
 */
const SINK_WRITE_ERRORS: AwsErrorTable = { ...DYNAMODB_ERRORS, ResourceNotFoundException: 'transient' };

/** Whether a failed DynamoDB call of a sink may succeed later (throttling, server faults, network errors, …). */
export function isRetriableAwsError(err: unknown): boolean {
  return err !== null && typeof err === 'object' && classifyCallError(err, SINK_WRITE_ERRORS).retriable;
}

/** Creates the table if missing and waits until it is ACTIVE; throws a TelemetryConsumerError. */
export async function ensureTable(o: EnsureTableOptions): Promise<EnsureTableResult> {
  try {
    return await ensureSharedTable(
      o.client,
      { tableName: o.tableName, keys: o.keys, ...(o.ttlAttribute === undefined ? {} : { ttlAttribute: o.ttlAttribute }) },
      { label: `${o.label} table`, activeTimeoutMs: o.activeTimeoutMs, clock: o.clock, timers: o.timers, logger: o.logger },
    );
  } catch (err) {
    if (!(err instanceof TableError)) throw err;
    throw new TelemetryConsumerError(o.code, err.message, err.retriable, { cause: err.cause ?? err });
  }
}

export interface ConditionalPutsResult {
  written: number;
  /** Refused by their condition (ConditionalCheckFailedException): the stored item wins; not an error. */
  refused: number;
  /** Every other failure, in the order they came. */
  errors: unknown[];
}

/** Conditional PutItems with at most `concurrency` in flight; resolves once every one is answered. */
export async function conditionalPuts(client: DynamoDBClient, inputs: readonly PutItemCommandInput[], concurrency: number): Promise<ConditionalPutsResult> {
  const result: ConditionalPutsResult = { written: 0, refused: 0, errors: [] };
  await mapWithConcurrency(inputs, concurrency, async (input) => {
    try {
      await client.send(new PutItemCommand(input));
      result.written++;
    } catch (err) {
      if (isAwsError(err, 'ConditionalCheckFailedException')) result.refused++;
      else result.errors.push(err);
    }
  });
  return result;
}

/** The error of a sink's writes of which `errors` failed (at least one): named after the first, retriable as it is. */
export function writeFailure(code: TelemetryConsumerErrorCode, what: string, tableName: string, errors: readonly unknown[]): TelemetryConsumerError {
  const err = errors[0];
  return new TelemetryConsumerError(code, `${errors.length} ${what} write(s) to ${tableName} failed: ${awsErrorName(err) || 'Error'}: ${(err as Error).message}`, isRetriableAwsError(err), {
    cause: err,
  });
}
