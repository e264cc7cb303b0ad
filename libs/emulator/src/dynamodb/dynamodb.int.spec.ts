/**
 * DynamoDB on the emulator's port, seen from the official @aws-sdk/client-dynamodb v3 client over HTTP/1.1 (its
 * default handler) and cleartext HTTP/2 (NodeHttp2Handler): what a KCL-style lease table needs (create and see
 * ACTIVE at once, conditional writes, ADD counters, consistent paged scans), fault injection, Kinesis alongside,
 * and durability of tables and items across a restart (and a kill -9) on the same data dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  InternalServerError,
  ListTablesCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '../emulator';
import {
  createActiveStream,
  createKinesisClient,
  errorOf,
  HTTP1_NODE,
  HTTP2_DEFAULT,
  jsonOf,
  rawRequest,
  uniqueStreamName,
} from '../testing/kds-test-clients';
import { createDynamoDbClient, DDB_HTTP2, DYNAMODB_HANDLERS, uniqueTableName, type DynamoDbHandlerName } from '../testing/dynamodb-test-clients';
import { killEmulatorChild, startEmulatorChild } from '../testing/emulator-process';

const leaseTable = (TableName: string): CreateTableCommand =>
  new CreateTableCommand({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
  });

const lease = (leaseKey: string, owner: string, counter = 1): Record<string, AttributeValue> => ({
  leaseKey: { S: leaseKey },
  leaseOwner: { S: owner },
  leaseCounter: { N: String(counter) },
  checkpoint: { S: 'TRIM_HORIZON' },
});

describe.each(DYNAMODB_HANDLERS)('DynamoDB over %s', (handler: DynamoDbHandlerName) => {
  let emu: RunningEmulator;
  let ddb: DynamoDBClient;
  let once: DynamoDBClient;
  const clients: DynamoDBClient[] = [];
  const client = (config: Parameters<typeof createDynamoDbClient>[2] = {}): DynamoDBClient => {
    const c = createDynamoDbClient(emu.url, handler, config);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    ddb = client();
    once = client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await emu.close();
  });

  it('creates a table that the next call sees ACTIVE, and deletes it', async () => {
    const name = uniqueTableName('create');
    const created = await ddb.send(leaseTable(name));
    expect(created.TableDescription).toMatchObject({ TableName: name, TableStatus: 'CREATING' });
    expect(created.TableDescription?.TableArn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${name}`);
    const described = await ddb.send(new DescribeTableCommand({ TableName: name }));
    expect(described.Table).toMatchObject({ TableStatus: 'ACTIVE', BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' } });
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain(name);

    await ddb.send(new DeleteTableCommand({ TableName: name }));
    const gone = await errorOf(ddb.send(new DescribeTableCommand({ TableName: name })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });

  it('fails a conditional PutItem with ConditionalCheckFailedException', async () => {
    const name = uniqueTableName('put');
    await ddb.send(leaseTable(name));
    const create = (owner: string): PutItemCommand =>
      new PutItemCommand({ TableName: name, Item: lease('shardId-000000000000', owner), ConditionExpression: 'attribute_not_exists(leaseKey)' });
    await ddb.send(create('worker-a'));
    const err = await errorOf(ddb.send(create('worker-b')));
    expect(err).toBeInstanceOf(ConditionalCheckFailedException);
    expect(err.$metadata.httpStatusCode).toBe(400);
    const item = await ddb.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: 'shardId-000000000000' } }, ConsistentRead: true }));
    expect(item.Item?.['leaseOwner']).toEqual({ S: 'worker-a' });
  });

  it('increments with UpdateItem ADD under an owner condition', async () => {
    const name = uniqueTableName('update');
    await ddb.send(leaseTable(name));
    await ddb.send(new PutItemCommand({ TableName: name, Item: lease('shardId-000000000001', 'worker-a', 1) }));
    const renew = (owner: string): UpdateItemCommand =>
      new UpdateItemCommand({
        TableName: name,
        Key: { leaseKey: { S: 'shardId-000000000001' } },
        UpdateExpression: 'ADD leaseCounter :one',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':owner': { S: owner } },
        ReturnValues: 'ALL_NEW',
      });
    expect((await ddb.send(renew('worker-a'))).Attributes?.['leaseCounter']).toEqual({ N: '2' });
    expect((await ddb.send(renew('worker-a'))).Attributes?.['leaseCounter']).toEqual({ N: '3' });
    expect(await errorOf(ddb.send(renew('worker-b')))).toBeInstanceOf(ConditionalCheckFailedException);
    const item = await ddb.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: 'shardId-000000000001' } }, ConsistentRead: true }));
    expect(item.Item?.['leaseCounter']).toEqual({ N: '3' });
  });

  it('pages a consistent Scan with Limit and ExclusiveStartKey', async () => {
    const name = uniqueTableName('scan');
    await ddb.send(leaseTable(name));
    const keys = Array.from({ length: 5 }, (_, i) => `shardId-00000000000${i}`);
    await Promise.all(keys.map((k) => ddb.send(new PutItemCommand({ TableName: name, Item: lease(k, 'w') }))));
    const seen: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    let pages = 0;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: name, ConsistentRead: true, Limit: 2, ExclusiveStartKey: start }));
      seen.push(...(page.Items ?? []).map((i) => i['leaseKey'].S as string));
      start = page.LastEvaluatedKey;
      pages++;
    } while (start && pages < 10);
    expect(seen.sort()).toEqual(keys);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('answers DynamoDB errors the SDK recognizes', async () => {
    expect(await errorOf(ddb.send(new DescribeTableCommand({ TableName: uniqueTableName('missing') })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    const unsupported = await errorOf(once.send(new TransactWriteItemsCommand({ TransactItems: [] })));
    expect(unsupported.name).toBe('UnknownOperationException');
    expect(unsupported.$metadata.httpStatusCode).toBe(400);
  });

  it('answers malformed requests as DynamoDB does, with a CRC32 of the body', async () => {
    const protocol = handler === DDB_HTTP2 ? 'h2c' : 'http/1.1';
    const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      'x-amz-date': '20240101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      ...extra,
    });
    const ok = await rawRequest(emu.url, protocol, { headers: headers(), body: '{}' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-amz-crc32']).toBe(String(zlib.crc32(ok.body)));
    expect(ok.headers['content-type']).toBe('application/x-amz-json-1.0');
    const notJson = await rawRequest(emu.url, protocol, { headers: headers(), body: '{nope' });
    expect([notJson.status, jsonOf(notJson)['__type']]).toEqual([400, 'com.amazon.coral.service#SerializationException']);
    const unsigned = await rawRequest(emu.url, protocol, { headers: headers({ authorization: '' }), body: '{}' });
    expect(jsonOf(unsigned)['__type']).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
    const invalid = await rawRequest(emu.url, protocol, { headers: headers(), body: '{"Limit":0}' });
    expect(jsonOf(invalid)['__type']).toBe('com.amazon.coral.validate#ValidationException');
    const wrongType = await rawRequest(emu.url, protocol, { headers: headers({ 'content-type': 'text/plain' }), body: '{}' });
    expect(wrongType.status).toBe(404);
  });

  it('injects throttling and internal errors by operation and table', async () => {
    const name = uniqueTableName('faults');
    await ddb.send(leaseTable(name));
    emu.faults.add({ service: 'dynamodb', operations: ['PutItem'], tableName: name, throttleRate: 1, count: 1 });
    const throttled = await errorOf(once.send(new PutItemCommand({ TableName: name, Item: lease('k', 'w') })));
    expect(throttled).toBeInstanceOf(ProvisionedThroughputExceededException);
    emu.faults.add({ tableName: name, errorRate: 1, count: 1 });
    const failed = await errorOf(once.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: 'k' } } })));
    expect(failed).toBeInstanceOf(InternalServerError);
    expect(failed.$metadata.httpStatusCode).toBe(500);
    // Both rules fired their count; the default client's retries would have hidden them anyway.
    expect(emu.faults.list()).toEqual([]);
    await once.send(new PutItemCommand({ TableName: name, Item: lease('k', 'w') }));
  });

  it('serves Kinesis on the same port and lists both services in health', async () => {
    const kinesis = createKinesisClient(emu.url, handler === DDB_HTTP2 ? HTTP2_DEFAULT : HTTP1_NODE);
    try {
      const stream = uniqueStreamName('beside-ddb');
      await createActiveStream(kinesis, stream, 1);
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'p', Data: Buffer.from('x') }));
      expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toContain(stream);
      const health = await rawRequest(emu.url, handler === DDB_HTTP2 ? 'h2c' : 'http/1.1', { method: 'GET', path: '/_tributary/health' });
      expect(jsonOf(health)).toEqual({ status: 'ok', services: ['kinesis', 'dynamodb', 'kinesisvideo'] });
    } finally {
      kinesis.destroy();
    }
  });
});

describe('DynamoDB durability', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-ddb-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps tables and items across a restart on the same dataDir, next to the streams', async () => {
    const table = uniqueTableName('durable');
    const stream = uniqueStreamName('durable');
    let emu = await startEmulator({ port: 0, dataDir });
    let ddb = createDynamoDbClient(emu.url);
    const kinesis = createKinesisClient(emu.url, HTTP1_NODE);
    try {
      await ddb.send(leaseTable(table));
      await ddb.send(new PutItemCommand({ TableName: table, Item: lease('shardId-000000000000', 'worker-a', 7) }));
      await createActiveStream(kinesis, stream, 1);
    } finally {
      ddb.destroy();
      kinesis.destroy();
      await emu.close();
    }
    expect(fs.existsSync(path.join(dataDir, 'dynamodb'))).toBe(true);

    emu = await startEmulator({ port: 0, dataDir });
    ddb = createDynamoDbClient(emu.url, DDB_HTTP2);
    const kinesisAgain = createKinesisClient(emu.url, HTTP2_DEFAULT);
    try {
      expect((await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus).toBe('ACTIVE');
      const item = await ddb.send(new GetItemCommand({ TableName: table, Key: { leaseKey: { S: 'shardId-000000000000' } }, ConsistentRead: true }));
      expect(item.Item).toEqual(lease('shardId-000000000000', 'worker-a', 7));
      expect((await kinesisAgain.send(new ListStreamsCommand({}))).StreamNames).toContain(stream);
    } finally {
      ddb.destroy();
      kinesisAgain.destroy();
      await emu.close();
    }
  });

  it('keeps acknowledged writes through kill -9', async () => {
    const table = uniqueTableName('killed');
    const child = await startEmulatorChild({ dataDir });
    const ddb = createDynamoDbClient(child.url);
    try {
      await ddb.send(leaseTable(table));
      for (let i = 0; i < 20; i++) {
        await ddb.send(new PutItemCommand({ TableName: table, Item: lease(`shardId-${String(i).padStart(12, '0')}`, 'w', i) }));
      }
      await ddb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { leaseKey: { S: 'shardId-000000000019' } },
          UpdateExpression: 'ADD leaseCounter :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    } finally {
      ddb.destroy();
    }
    expect(await killEmulatorChild(child)).toBe('SIGKILL');

    const emu = await startEmulator({ port: 0, dataDir });
    const again = createDynamoDbClient(emu.url);
    try {
      const scan = await again.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
      expect(scan.Count).toBe(20);
      const last = await again.send(new GetItemCommand({ TableName: table, Key: { leaseKey: { S: 'shardId-000000000019' } } }));
      expect(last.Item?.['leaseCounter']).toEqual({ N: '20' });
    } finally {
      again.destroy();
      await emu.close();
    }
  });

  it('refuses a second emulator on a data dir in use', async () => {
    const emu = await startEmulator({ port: 0, dataDir });
    try {
      await expect(startEmulator({ port: 0, dataDir })).rejects.toThrow(/could not be opened/);
    } finally {
      await emu.close();
    }
  });

  it('honours table delays and finishes a creation a stop interrupted', async () => {
    const table = uniqueTableName('interrupted');
    let emu = await startEmulator({ port: 0, dataDir, dynamodb: { delays: { create: 500 } } });
    let ddb = createDynamoDbClient(emu.url);
    try {
      await ddb.send(leaseTable(table));
      expect((await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus).toBe('CREATING');
    } finally {
      ddb.destroy();
      await emu.close(); // before dynalite's 500 ms timer: the table is CREATING on disk
    }
    emu = await startEmulator({ port: 0, dataDir });
    ddb = createDynamoDbClient(emu.url);
    try {
      expect((await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus).toBe('ACTIVE');
    } finally {
      ddb.destroy();
      await emu.close();
    }
  });
});

describe('DynamoDB switched off', () => {
  it('leaves DynamoDB targets unrouted and out of health', async () => {
    const emu = await startEmulator({ port: 0, dynamodb: false, kvs: false });
    const ddb = createDynamoDbClient(emu.url, undefined, { maxAttempts: 1 });
    try {
      const err = await errorOf(ddb.send(new ListTablesCommand({})));
      expect(err.name).toBe('UnknownOperationException');
      const health = await rawRequest(emu.url, 'http/1.1', { method: 'GET', path: '/_tributary/health' });
      expect(jsonOf(health)).toEqual({ status: 'ok', services: ['kinesis'] });
    } finally {
      ddb.destroy();
      await emu.close();
    }
  });
});
