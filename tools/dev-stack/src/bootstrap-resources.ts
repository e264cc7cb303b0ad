/**
 * Creates what the stack needs before its parts start, through the SDK v3 clients (so the same calls would work
 * against AWS), idempotently: what exists is kept (a second start resumes), what is missing is created, and the
 * call returns once everything is ACTIVE. The apps would create most of it themselves; doing it here first lets
 * the gateway read the dashboard tables from its first request and keeps the parts from racing each other.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand as CreateKdsStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateStreamCommand as CreateKvsStreamCommand, DescribeStreamCommand as DescribeKvsStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { ensureTable, TableError, type TableDefinition, type TableKey } from '@tributary/dynamodb-tables';
import { CAMERA_HEALTH_TABLE_KEYS, ROLLUP_TABLE_KEYS } from '@tributary/schemas';
import { DevStackError } from './dev-stack-error';
import { STACK_RESOURCES } from './stack-plan';

const hash = (name: string): TableKey => ({ name, type: 'S', role: 'HASH' });
const range = (name: string): TableKey => ({ name, type: 'S', role: 'RANGE' });

/** The tables of the stack with their keys (issue 7's contract; the lease table is KCL's). */
export const STACK_TABLES: readonly TableDefinition[] = [
  { tableName: STACK_RESOURCES.leaseTable, keys: [hash('leaseKey')] },
  { tableName: STACK_RESOURCES.deviceStateTable, keys: [hash('deviceId')] },
  { tableName: STACK_RESOURCES.rollupTable, keys: [hash(ROLLUP_TABLE_KEYS.hash), range(ROLLUP_TABLE_KEYS.range)] },
  { tableName: STACK_RESOURCES.cameraHealthTable, keys: [hash(CAMERA_HEALTH_TABLE_KEYS.hash)] },
];

export interface BootstrapClients {
  kinesis: Pick<KinesisClient, 'send'>;
  kinesisVideo: Pick<KinesisVideoClient, 'send'>;
  dynamodb: Pick<DynamoDBClient, 'send'>;
}

export type ResourceOutcome = { kind: 'stream' | 'video-stream' | 'table'; name: string; outcome: 'created' | 'exists' };

export interface BootstrapOptions {
  /** Called once per resource, for the progress lines. */
  onResource?: (r: ResourceOutcome) => void;
  /** How long a resource may stay CREATING (default 60 s). */
  activeTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function bootstrapResources(clients: BootstrapClients, options: BootstrapOptions = {}): Promise<ResourceOutcome[]> {
  const r = STACK_RESOURCES;
  const tasks: Promise<ResourceOutcome>[] = [
    ensureKdsStream(clients.kinesis, r.telemetryStream, r.telemetryShards, options),
    ensureKdsStream(clients.kinesis, r.logsStream, r.logsShards, options),
    ...r.cameras.map((name) => ensureKvsStream(clients.kinesisVideo, name, r.kvsRetentionHours, options)),
    ...STACK_TABLES.map((t) => ensureStackTable(clients.dynamodb, t, options)),
  ];
  const results = await Promise.all(tasks.map((t) => t.then((res) => (options.onResource?.(res), res))));
  return results;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, status: () => Promise<string | undefined>, ok: ReadonlySet<string>, options: BootstrapOptions): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + (options.activeTimeoutMs ?? 60_000);
  for (;;) {
    const s = await status();
    if (s !== undefined && ok.has(s)) return;
    if (s === 'DELETING') throw new DevStackError('BOOTSTRAP', `${what} is being deleted; start again once it is gone`, true);
    if (Date.now() > deadline) throw new DevStackError('BOOTSTRAP', `${what} is still ${s ?? 'missing'} after ${options.activeTimeoutMs ?? 60_000} ms`, true);
    await sleep(200);
  }
}

function isNamed(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}

function failure(what: string, err: unknown): DevStackError {
  const e = err as Error;
  return new DevStackError('BOOTSTRAP', `${what}: ${e.name}: ${e.message}`, true, { cause: err });
}

async function ensureKdsStream(client: BootstrapClients['kinesis'], name: string, shards: number, options: BootstrapOptions): Promise<ResourceOutcome> {
  const status = async (): Promise<string | undefined> => {
    try {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return out.StreamDescriptionSummary?.StreamStatus;
    } catch (err) {
      if (isNamed(err, 'ResourceNotFoundException')) return undefined;
      throw failure(`Kinesis stream ${name}`, err);
    }
  };
  let outcome: ResourceOutcome['outcome'] = 'exists';
  if ((await status()) === undefined) {
    try {
      await client.send(new CreateKdsStreamCommand({ StreamName: name, ShardCount: shards }));
      outcome = 'created';
    } catch (err) {
      if (!isNamed(err, 'ResourceInUseException')) throw failure(`Kinesis stream ${name}`, err);
    }
  }
  await waitFor(`Kinesis stream ${name}`, status, new Set(['ACTIVE', 'UPDATING']), options);
  return { kind: 'stream', name, outcome };
}

async function ensureKvsStream(client: BootstrapClients['kinesisVideo'], name: string, retentionHours: number, options: BootstrapOptions): Promise<ResourceOutcome> {
  const status = async (): Promise<string | undefined> => {
    try {
      const out = await client.send(new DescribeKvsStreamCommand({ StreamName: name }));
      return out.StreamInfo?.Status;
    } catch (err) {
      if (isNamed(err, 'ResourceNotFoundException')) return undefined;
      throw failure(`video stream ${name}`, err);
    }
  };
  let outcome: ResourceOutcome['outcome'] = 'exists';
  if ((await status()) === undefined) {
    try {
      await client.send(new CreateKvsStreamCommand({ StreamName: name, MediaType: 'video/h264', DataRetentionInHours: retentionHours }));
      outcome = 'created';
    } catch (err) {
      if (!isNamed(err, 'ResourceInUseException')) throw failure(`video stream ${name}`, err);
    }
  }
  await waitFor(`video stream ${name}`, status, new Set(['ACTIVE', 'UPDATING']), options);
  return { kind: 'video-stream', name, outcome };
}

/** A table through the one shared create-if-missing (@tributary/dynamodb-tables), its failures as DevStackErrors. */
async function ensureStackTable(client: BootstrapClients['dynamodb'], definition: TableDefinition, options: BootstrapOptions): Promise<ResourceOutcome> {
  const name = definition.tableName;
  try {
    const { outcome } = await ensureTable(client, definition, options.activeTimeoutMs === undefined ? {} : { activeTimeoutMs: options.activeTimeoutMs });
    return { kind: 'table', name, outcome };
  } catch (err) {
    if (!(err instanceof TableError)) throw failure(`table ${name}`, err);
    const advice = err.code === 'TABLE_KEY_MISMATCH' ? ': delete it (or the data folder) and start again' : err.code === 'TABLE_UNUSABLE' ? '; start again once it is gone' : '';
    throw new DevStackError('BOOTSTRAP', `${err.message}${advice}`, err.code !== 'TABLE_KEY_MISMATCH', { cause: err });
  }
}
