/**
 * The in-memory DynamoDB answers as the emulator's DynamoDB does: one script of calls (the lease table's
 * conditional writes and the heartbeat table's set updates among them) sent to both through the official client,
 * every answer and every error name compared, then the tables' contents.
 */
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { uniqueTableName } from '@tributary/emulator/testing';
import { startConsumerTestEnv, type ConsumerTestEnv } from './consumer-int-kit';
import { InMemoryDynamoDb } from './in-memory-lease-store';

let kit: ConsumerTestEnv;

beforeAll(async () => {
  kit = await startConsumerTestEnv();
});

afterAll(async () => {
  await kit.close();
});

type Command = { input: object };
type Step = (table: string) => Command;

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });
const key = (k: string) => ({ leaseKey: S(k) });
const names = { '#c': 'leaseCounter', '#o': 'leaseOwner' };

const script: Step[] = [
  (t) => new PutItemCommand({ TableName: t, Item: { ...key('a'), leaseCounter: N(0), checkpoint: S('TRIM_HORIZON') }, ConditionExpression: 'attribute_not_exists(leaseKey)' }),
  (t) => new PutItemCommand({ TableName: t, Item: { ...key('a'), leaseCounter: N(9) }, ConditionExpression: 'attribute_not_exists(leaseKey)' }),
  // take: counter as listed, no owner condition
  (t) =>
    new UpdateItemCommand({
      TableName: t,
      Key: key('a'),
      UpdateExpression: 'SET #c = :n, #o = :me ADD ownerSwitchesSinceCheckpoint :one REMOVE checkpointOwner',
      ConditionExpression: '#c = :e',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':n': N(1), ':e': N(0), ':me': S('A'), ':one': N(1) },
      ReturnValues: 'ALL_NEW',
    }),
  // a stale counter, then a wrong owner: both rejected
  (t) => new UpdateItemCommand({ TableName: t, Key: key('a'), UpdateExpression: 'SET #c = :n', ConditionExpression: '#c = :e', ExpressionAttributeNames: { '#c': 'leaseCounter' }, ExpressionAttributeValues: { ':n': N(1), ':e': N(0) } }),
  (t) =>
    new UpdateItemCommand({
      TableName: t,
      Key: key('a'),
      UpdateExpression: 'SET #c = :n',
      ConditionExpression: '#c = :e AND #o = :me',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':n': N(2), ':e': N(1), ':me': S('B') },
    }),
  // release: owner must be A, then removed
  (t) =>
    new UpdateItemCommand({
      TableName: t,
      Key: key('a'),
      UpdateExpression: 'SET #c = :n REMOVE #o',
      ConditionExpression: '#c = :e AND #o = :me',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':n': N(2), ':e': N(1), ':me': S('A') },
      ReturnValues: 'UPDATED_OLD',
    }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('a'), UpdateExpression: 'SET #c = :n', ConditionExpression: 'attribute_not_exists(#o) AND #c = :e', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':n': N(3), ':e': N(2) }, ReturnValues: 'ALL_OLD' }),
  // a heartbeat item: counter from nothing, set of handoff requests added to and deleted from
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'ADD heartbeatCounter :one SET leaseCount = :c', ExpressionAttributeValues: { ':one': N(1), ':c': N(5) }, ReturnValues: 'ALL_NEW' }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'ADD handoffRequests :k', ConditionExpression: 'attribute_exists(leaseKey)', ExpressionAttributeValues: { ':k': { SS: ['s1', 's2'] } } }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('nobody'), UpdateExpression: 'ADD handoffRequests :k', ConditionExpression: 'attribute_exists(leaseKey)', ExpressionAttributeValues: { ':k': { SS: ['s1'] } } }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'ADD heartbeatCounter :one DELETE handoffRequests :k', ExpressionAttributeValues: { ':one': N(1), ':k': { SS: ['s1'] } }, ReturnValues: 'ALL_NEW' }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'DELETE handoffRequests :k', ExpressionAttributeValues: { ':k': { SS: ['s2'] } }, ReturnValues: 'ALL_NEW' }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'SET leaseCount = leaseCount + :d, note = if_not_exists(note, :x)', ConditionExpression: 'leaseCount BETWEEN :lo AND :hi OR size(leaseKey) > :z', ExpressionAttributeValues: { ':d': N(2), ':x': S('first'), ':lo': N(0), ':hi': N(10), ':z': N(100) }, ReturnValues: 'UPDATED_NEW' }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'SET note = :y', ConditionExpression: 'NOT contains(note, :f) OR leaseCount IN (:a, :b)', ExpressionAttributeValues: { ':y': S('second'), ':f': S('irs'), ':a': N(1), ':b': N(7) }, ReturnValues: 'ALL_NEW' }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'SET leaseKey = :k', ExpressionAttributeValues: { ':k': S('x') } }),
  (t) => new UpdateItemCommand({ TableName: t, Key: key('hb'), UpdateExpression: 'SET note = :undefined' }),
  (t) => new DeleteItemCommand({ TableName: t, Key: key('a'), ConditionExpression: 'checkpoint = :end', ExpressionAttributeValues: { ':end': S('SHARD_END') } }),
  (t) => new DeleteItemCommand({ TableName: t, Key: key('gone'), ReturnValues: 'ALL_OLD' }),
  (t) => new GetItemCommand({ TableName: t, Key: key('a'), ConsistentRead: true, ProjectionExpression: '#o, leaseCounter', ExpressionAttributeNames: { '#o': 'leaseOwner' } }),
  (t) => new GetItemCommand({ TableName: t, Key: key('missing'), ConsistentRead: true }),
  (t) => new ScanCommand({ TableName: t, ConsistentRead: true, FilterExpression: 'attribute_exists(heartbeatCounter)' }),
  (t) => new GetItemCommand({ TableName: `${t}-missing`, Key: key('a') }),
];

/** An answer without metadata, with string sets sorted (their order is not part of DynamoDB's contract). */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$metadata' || k === 'ConsumedCapacity' || k === 'ScannedCount') continue;
    out[k] = k === 'SS' || k === 'NS' ? [...(v as string[])].sort() : normalize(v);
  }
  return out;
}

async function outcome(client: { send(c: Command): Promise<unknown> }, command: Command): Promise<unknown> {
  try {
    return { ok: normalize(await client.send(command)) };
  } catch (err) {
    return { error: (err as Error).name };
  }
}

describe('the in-memory DynamoDB against the emulator', () => {
  it('answers one script of lease and heartbeat calls as the emulator does', async () => {
    const emulator = kit.dynamo as DynamoDBClient & { send(c: Command): Promise<unknown> };
    const memory = new InMemoryDynamoDb();
    const table = uniqueTableName('same');
    const create = new CreateTableCommand({ TableName: table, KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });
    await emulator.send(create);
    await memory.send(create);
    for (const [i, step] of script.entries()) {
      const command = step(table);
      const [real, fake] = [await outcome(emulator, command), await outcome(memory, command)];
      expect({ step: i, ...(fake as object) }).toEqual({ step: i, ...(real as object) });
    }
    const scan = new ScanCommand({ TableName: table, ConsistentRead: true });
    const [real, fake] = [await outcome(emulator, scan), await outcome(memory, scan)];
    const byKey = (o: unknown) => ((o as { ok: { Items: Array<{ leaseKey: { S: string } }> } }).ok.Items ?? []).sort((a, b) => a.leaseKey.S.localeCompare(b.leaseKey.S));
    expect(byKey(fake)).toEqual(byKey(real));
    expect(byKey(fake).length).toBe(2);
  });
});
