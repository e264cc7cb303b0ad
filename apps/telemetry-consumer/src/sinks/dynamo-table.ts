/**
 * "Create the table if it is missing, wait until it is ACTIVE, check its key schema": what every DynamoDB sink
 * of the worker does on start (the device-state and rollup tables), in one place; and their writes, conditional
 * PutItems a few at a time (conditionalPuts).
 *
 * PAY_PER_REQUEST, as KCL creates its lease table. Several workers may race to create it: the loser's
 * ResourceInUseException means "someone is creating it", and it waits like the winner. An existing table with
 * another key schema is refused (not retriable): writing into it would fail item by item.
 *
 * TTL is enabled only on a table this call created (UpdateTimeToLive); a table created elsewhere (apps/infra)
 * comes with its own TTL setting, and the worker's role need not read or change it. DynamoDB-compatible local
 * stores without TTL (the emulator's dynalite answers UnknownOperationException) are logged and skipped: items
 * then simply do not expire.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
  type PutItemCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from '../logger';
import { TelemetryConsumerError, type TelemetryConsumerErrorCode } from '../telemetry-consumer-error';
import { sleep, type Clock, type Timers } from '../time';

export interface TableKey {
  name: string;
  type: 'S' | 'N';
  role: 'HASH' | 'RANGE';
}

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

export type TtlOutcome = 'enabled' | 'unsupported' | 'failed';

export interface EnsureTableResult {
  outcome: 'exists' | 'created';
  /** Set when the table was created with a `ttlAttribute`. */
  ttl?: TtlOutcome;
}

/** AWS error names after which a later attempt may succeed (besides server faults and network errors). */
const RETRIABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
  'TransactionConflictException',
  'ResourceNotFoundException', // the table was deleted and may be recreated; a retry of the batch will tell
  'TimeoutError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** Network errors named in a message: what is left of a socket error the SDK wrapped ("AWS SDK error wrapper for …"). */
const NETWORK_IN_MESSAGE = /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up)\b/;

export function isRetriableAwsError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as { name?: string; code?: string; message?: unknown; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: unknown } };
  // An SDK error without an HTTP status got no answer at all: the service was not reached (the SDK wraps a socket
  // error that is not `instanceof Error` in its realm into a plain Error with `$metadata` and no code; seen with
  // a dropped connection, ECONNREFUSED and "socket hang up" alike).
  const noAnswer = typeof e.$metadata === 'object' && e.$metadata !== null && e.$metadata.httpStatusCode === undefined;
  return (
    e.$fault === 'server' ||
    e.$retryable !== undefined ||
    RETRIABLE_ERRORS.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '') ||
    noAnswer ||
    (typeof e.message === 'string' && NETWORK_IN_MESSAGE.test(e.message))
  );
}

/** The AWS error's name (`ResourceNotFoundException`), or '' for something else. */
export const awsErrorName = (err: unknown): string => (err !== null && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : '');

/** Creates the table if missing and waits until it is ACTIVE; throws a TelemetryConsumerError. */
export async function ensureTable(o: EnsureTableOptions): Promise<EnsureTableResult> {
  const fail = (operation: string, err: unknown): TelemetryConsumerError =>
    new TelemetryConsumerError(o.code, `could not ${operation} the ${o.label} table ${o.tableName}: ${awsErrorName(err) || 'Error'}: ${(err as Error).message}`, isRetriableAwsError(err), {
      cause: err,
    });
  const describe = async (): Promise<TableDescription | undefined> => {
    try {
      return (await o.client.send(new DescribeTableCommand({ TableName: o.tableName }))).Table;
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
      throw fail('describe', err);
    }
  };

  let table = await describe();
  const result: EnsureTableResult = { outcome: 'exists' };
  if (!table) {
    o.logger.info({ table: o.tableName }, `creating the ${o.label} table`);
    try {
      await o.client.send(
        new CreateTableCommand({
          TableName: o.tableName,
          AttributeDefinitions: o.keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
          KeySchema: o.keys.map((k) => ({ AttributeName: k.name, KeyType: k.role })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      result.outcome = 'created';
    } catch (err) {
      // Another worker created it first: fine, wait for it like for ours.
      if (awsErrorName(err) !== 'ResourceInUseException') throw fail('create', err);
    }
    table = await describe();
  }
  const deadline = o.clock.now() + o.activeTimeoutMs;
  let delay = 50;
  while (table?.TableStatus !== 'ACTIVE') {
    if (o.clock.now() >= deadline) {
      throw new TelemetryConsumerError(
        o.code,
        `${o.label} table ${o.tableName} is not ACTIVE after ${o.activeTimeoutMs} ms (status ${table?.TableStatus ?? 'missing'})`,
        true,
      );
    }
    await sleep(o.timers, delay);
    delay = Math.min(delay * 2, 1_000);
    table = await describe();
  }
  const key = table.KeySchema ?? [];
  const matches =
    key.length === o.keys.length &&
    o.keys.every((k, i) => key[i]?.AttributeName === k.name && key[i]?.KeyType === k.role && table?.AttributeDefinitions?.find((a) => a.AttributeName === k.name)?.AttributeType === k.type);
  if (!matches) {
    const wanted = o.keys.map((k) => `${k.role === 'HASH' ? 'hash' : 'range'} key ${k.name} (${k.type})`).join(', ');
    throw new TelemetryConsumerError(o.code, `table ${o.tableName} exists with another key schema (${JSON.stringify(key)}); the ${o.label} table needs the ${wanted} alone`, false);
  }
  if (result.outcome === 'created' && o.ttlAttribute !== undefined) result.ttl = await enableTtl(o, o.ttlAttribute);
  return result;
}

async function enableTtl(o: EnsureTableOptions, attribute: string): Promise<TtlOutcome> {
  try {
    await o.client.send(new UpdateTimeToLiveCommand({ TableName: o.tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
    o.logger.info({ table: o.tableName, attribute }, `TTL enabled on the ${o.label} table`);
    return 'enabled';
  } catch (err) {
    const name = awsErrorName(err);
    if (name === 'UnknownOperationException') {
      o.logger.info({ table: o.tableName }, `this DynamoDB does not support TTL; ${o.label} items will not expire`);
      return 'unsupported';
    }
    // Never fatal: the items are right without TTL, they only live longer.
    o.logger.warn({ table: o.tableName, err: `${name}: ${(err as Error).message}` }, `could not enable TTL on the ${o.label} table; items will not expire`);
    return 'failed';
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
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const input = inputs[next++];
      try {
        await client.send(new PutItemCommand(input));
        result.written++;
      } catch (err) {
        if (awsErrorName(err) === 'ConditionalCheckFailedException') result.refused++;
        else result.errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  return result;
}
