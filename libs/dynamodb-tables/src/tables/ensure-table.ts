/**
 * "Create the table if it is missing, wait until it is usable, check its key schema": what the lease table, the
 * telemetry sinks, the camera-health reporter and the dev stack each did by hand, in one place.
 *
 *   DescribeTable ─ found ──────────────────────────────┐
 *        └ ResourceNotFoundException → CreateTable ─────┤ (ResourceInUseException: another worker is creating it;
 *                                                       │  wait for theirs like for ours)
 *   poll DescribeTable until ACTIVE or UPDATING ◄───────┘ (waits of 50 ms doubling to 1 s; a deadline)
 *   check the key schema → enable TTL (only on a table this call created)
 *
 * - PAY_PER_REQUEST, as KCL creates its lease table (DynamoDBLeaseRefresher.createLeaseTableIfNotExists).
 * - UPDATING counts as usable: "the table remains available for data operations when UPDATING" (DynamoDB API
 *   reference, TableDescription.TableStatus). DELETING, ARCHIVING/ARCHIVED and INACCESSIBLE_ENCRYPTION_CREDENTIALS
 *   never become usable by waiting: TABLE_UNUSABLE at once.
 * - An existing table with another key schema is refused (TABLE_KEY_MISMATCH, not retriable): writing into it
 *   would fail item by item.
 * - TTL is enabled only on a table this call created: a table created elsewhere (apps/infra) comes with its own
 *   setting, and the caller's role need not read or change it. DynamoDB-compatible stores without TTL (the
 *   emulator's dynalite answers UnknownOperationException) give `ttl: 'unsupported'`; any other failure `'failed'`
 *   (logged): the items are right without TTL, they only live longer.
 *
 * Time and logging are injected (conventions.md §11, §12), so the wait is tested on a manual clock.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DYNAMODB_ERRORS, awsErrorName, classifyCallError, isAwsError } from '@tributary/errors';
import { noopLogger, systemClock, systemTimers, type Clock, type Logger, type Timers } from '@tributary/runtime';
import { DYNAMODB_TABLE_DEFAULTS } from '../defaults';
import { TableError } from '../errors';

export interface TableKey {
  name: string;
  type: 'S' | 'N' | 'B';
  role: 'HASH' | 'RANGE';
}

export interface TableDefinition {
  tableName: string;
  /** Hash key first, then the range key if any. */
  keys: readonly TableKey[];
  /** Epoch-seconds attribute to enable TTL on, when this call creates the table. */
  ttlAttribute?: string;
}

export interface EnsureTableOptions {
  /** What the table holds, for messages and logs: "lease table", "device-state table" (default "table"). */
  label?: string;
  activeTimeoutMs?: number;
  /** The first wait between DescribeTable polls; each wait doubles up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  clock?: Clock;
  timers?: Timers;
  /** Only `info` and `warn` are called (a pino logger fits). */
  logger?: TableLogger;
}

export type TableLogger = Pick<Logger, 'info' | 'warn'>;

export type TtlOutcome = 'enabled' | 'unsupported' | 'failed';

export interface EnsureTableResult {
  outcome: 'exists' | 'created';
  /** Set when this call created the table with a `ttlAttribute`. */
  ttl?: TtlOutcome;
}

/** What ensureTable calls (a DynamoDBClient fits). */
export type TableClient = Pick<DynamoDBClient, 'send'>;

const USABLE: ReadonlySet<string> = new Set(['ACTIVE', 'UPDATING']);
const NEVER_USABLE: ReadonlySet<string> = new Set(['DELETING', 'ARCHIVING', 'ARCHIVED', 'INACCESSIBLE_ENCRYPTION_CREDENTIALS']);

/** Creates the table if missing and waits until it is usable; throws a TableError. */
export async function ensureTable(client: TableClient, definition: TableDefinition, options: EnsureTableOptions = {}): Promise<EnsureTableResult> {
  const { tableName } = definition;
  const label = options.label ?? 'table';
  const logger = options.logger ?? noopLogger;
  let table = await describeTable(client, tableName, label);
  const result: EnsureTableResult = { outcome: 'exists' };
  if (!table) {
    logger.info({ table: tableName }, `creating the ${label}`);
    if (await createTable(client, definition, label)) result.outcome = 'created';
    table = await describeTable(client, tableName, label);
  }
  table = await waitUntilUsable(client, tableName, label, table, options);
  checkKeySchema(table, definition, label);
  if (result.outcome === 'created' && definition.ttlAttribute !== undefined) {
    result.ttl = await enableTtl(client, tableName, definition.ttlAttribute, label, logger);
  }
  return result;
}

function callFailed(operation: string, tableName: string, label: string, err: unknown): TableError {
  const { code, message, retriable } = classifyCallError(err, DYNAMODB_ERRORS);
  return new TableError('TABLE_CALL_FAILED', tableName, `could not ${operation === 'CreateTable' ? 'create' : 'describe'} the ${label} ${tableName}: ${code}: ${message}`, retriable, {
    cause: err,
    operation,
  });
}

/** The table's description, or undefined when it does not exist. A table without a status counts as ACTIVE. */
async function describeTable(client: TableClient, tableName: string, label: string): Promise<TableDescription | undefined> {
  try {
    const table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    return table && { ...table, TableStatus: table.TableStatus ?? 'ACTIVE' };
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
    throw callFailed('DescribeTable', tableName, label, err);
  }
}

/** True when this call created the table; false when another caller was creating it (ResourceInUseException). */
async function createTable(client: TableClient, definition: TableDefinition, label: string): Promise<boolean> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: definition.tableName,
        AttributeDefinitions: definition.keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
        KeySchema: definition.keys.map((k) => ({ AttributeName: k.name, KeyType: k.role })),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    return true;
  } catch (err) {
    // Another worker created it first: fine, wait for it like for ours.
    if (isAwsError(err, 'ResourceInUseException')) return false;
    throw callFailed('CreateTable', definition.tableName, label, err);
  }
}

async function waitUntilUsable(
  client: TableClient,
  tableName: string,
  label: string,
  first: TableDescription | undefined,
  options: EnsureTableOptions,
): Promise<TableDescription> {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const timeoutMs = options.activeTimeoutMs ?? DYNAMODB_TABLE_DEFAULTS.activeTimeoutMs;
  const maxDelay = options.maxPollIntervalMs ?? DYNAMODB_TABLE_DEFAULTS.maxPollIntervalMs;
  const deadline = clock.now() + timeoutMs;
  let delay = options.pollIntervalMs ?? DYNAMODB_TABLE_DEFAULTS.pollIntervalMs;
  let table = first;
  while (!table || !USABLE.has(table.TableStatus ?? '')) {
    const status = table?.TableStatus ?? 'missing';
    if (NEVER_USABLE.has(status)) throw new TableError('TABLE_UNUSABLE', tableName, `${label} ${tableName} is ${status}`, false);
    if (clock.now() >= deadline) {
      throw new TableError('TABLE_NOT_ACTIVE', tableName, `${label} ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${status})`, true);
    }
    await new Promise<void>((resolve) => timers.setTimeout(resolve, delay));
    delay = Math.min(delay * 2, maxDelay);
    table = await describeTable(client, tableName, label);
  }
  return table;
}

function checkKeySchema(table: TableDescription, definition: TableDefinition, label: string): void {
  const key = table.KeySchema ?? [];
  const typeOf = (name: string): string | undefined => table.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  const matches = key.length === definition.keys.length && definition.keys.every((k, i) => key[i]?.AttributeName === k.name && key[i]?.KeyType === k.role && typeOf(k.name) === k.type);
  if (matches) return;
  const wanted = definition.keys.map((k) => `${k.role === 'HASH' ? 'hash' : 'range'} key ${k.name} (${k.type})`).join(', ');
  const have = JSON.stringify(key.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })));
  throw new TableError('TABLE_KEY_MISMATCH', definition.tableName, `table ${definition.tableName} exists with another key schema (${have}); the ${label} needs the ${wanted} alone`, false);
}

async function enableTtl(client: TableClient, tableName: string, attribute: string, label: string, logger: TableLogger): Promise<TtlOutcome> {
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
    logger.info({ table: tableName, attribute }, `TTL enabled on the ${label}`);
    return 'enabled';
  } catch (err) {
    if (isAwsError(err, 'UnknownOperationException')) {
      logger.info({ table: tableName }, `this DynamoDB does not support TTL; items of the ${label} will not expire`);
      return 'unsupported';
    }
    // Never fatal: the items are right without TTL, they only live longer.
    logger.warn({ table: tableName, err: `${awsErrorName(err) || 'Error'}: ${(err as Error).message}` }, `could not enable TTL on the ${label}; items will not expire`);
    return 'failed';
  }
}
