/**
 * The in-memory DynamoDB under LeaseTable: the cases of lease-table.int.spec.ts that do not need a network (the
 * conditional-write protocol, KCL's item layout, paging), then the expression language beyond what LeaseTable
 * uses, global secondary indexes and transactions, and the capacity units each call is billed.
 */
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LeaseLostError } from '../consumer-error';
import type { Checkpoint, Lease } from '../consumer-types';
import { LeaseCoordinator } from '../leases/lease-coordinator';
import { LeaseTable } from '../leases/lease-table';
import { FakeTimers, SHARD_END, makeLease, shardIdOf } from './lease-test-kit';
import { InMemoryDynamoDb } from './in-memory-lease-store';
import { itemSize, readUnits, writeUnits } from './in-memory-lease-store-capacity';

const seq = (n: number, sub = 0): Checkpoint => ({ kind: 'sequence', sequenceNumber: String(49_000_000_000 + n), subSequenceNumber: sub });

let db: InMemoryDynamoDb;
let tables = 0;

beforeEach(() => {
  db = new InMemoryDynamoDb();
});

async function freshTable(options: { scanPageLimit?: number } = {}): Promise<LeaseTable> {
  const table = new LeaseTable({ client: db.asClient<DynamoDBClient>(), tableName: `leases-${++tables}`, scanPageLimit: options.scanPageLimit });
  await table.ensureTable();
  return table;
}

function rawItem(table: LeaseTable, key: string) {
  return db.items(table.tableName).find((i) => i.leaseKey?.S === key);
}

describe('LeaseTable on the in-memory DynamoDB', () => {
  it('ensureTable creates the table once; a second call finds it', async () => {
    const name = `race-${++tables}`;
    const [a, b] = [0, 1].map(() => new LeaseTable({ client: db.asClient<DynamoDBClient>(), tableName: name }));
    expect(await a.ensureTable()).toEqual({ created: true });
    expect(await b.ensureTable()).toEqual({ created: false });
    expect(await b.listLeases()).toEqual([]);
  });

  it('creates a lease only if absent, and lists it back with KCL attributes', async () => {
    const table = await freshTable();
    const lease = makeLease(shardIdOf(0), { parentShardIds: [shardIdOf(7)] });
    expect(await table.createLeaseIfAbsent(lease)).toBe(true);
    expect(await table.createLeaseIfAbsent({ ...lease, checkpoint: seq(1) })).toBe(false);
    expect(await table.listLeases()).toEqual([lease]);
    expect(await table.getLease(lease.leaseKey)).toEqual(lease);
    expect(await table.getLease('nope')).toBeUndefined();
    expect(rawItem(table, lease.leaseKey)).toEqual({
      leaseKey: { S: lease.leaseKey },
      leaseCounter: { N: '0' },
      checkpoint: { S: 'TRIM_HORIZON' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      parentShardId: { SS: [shardIdOf(7)] },
      startingHashKey: { S: lease.startingHashKey },
      endingHashKey: { S: lease.endingHashKey },
    });
  });

  it('lists every page of a consistent scan', async () => {
    const table = await freshTable({ scanPageLimit: 3 });
    const keys = Array.from({ length: 10 }, (_, i) => shardIdOf(i));
    for (const key of [...keys].reverse()) await table.createLeaseIfAbsent(makeLease(key));
    expect((await table.listLeases()).map((l) => l.leaseKey).sort()).toEqual(keys);
    expect(db.meter.byOperation().get(table.tableName)?.get('Scan')?.calls).toBe(4); // 3 + 3 + 3 + 1
  });

  it('two workers racing to take the same lease: exactly one wins', async () => {
    const table = await freshTable();
    const other = new LeaseTable({ client: db.asClient<DynamoDBClient>(), tableName: table.tableName });
    for (let i = 0; i < 10; i++) {
      const listed = makeLease(shardIdOf(i));
      await table.createLeaseIfAbsent(listed);
      const results = await Promise.allSettled([table.takeLease(listed, 'A'), other.takeLease(listed, 'B')]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(LeaseLostError);
      const winner = (won[0] as PromiseFulfilledResult<Lease>).value;
      expect(await table.getLease(listed.leaseKey)).toEqual(winner);
      expect(winner).toMatchObject({ leaseCounter: 1, ownerSwitchesSinceCheckpoint: 0 });
    }
  });

  it('renews with the held counter; a renewal after a steal is rejected', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    let mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    mine = await table.renewLease(mine);
    mine = await table.renewLease(mine);
    expect(mine).toMatchObject({ leaseOwner: 'A', leaseCounter: 3 });
    const stolen = await table.takeLease(mine, 'B');
    expect(stolen).toMatchObject({ leaseOwner: 'B', leaseCounter: 4, ownerSwitchesSinceCheckpoint: 1 });
    await expect(table.renewLease(mine)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(table.takeLease(mine, 'A')).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('checkpoints only as the owner with the current counter; resets owner switches, bumps the counter', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    let mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    mine = await table.takeLease(mine, 'B');
    await expect(table.updateCheckpoint({ ...mine, leaseOwner: 'A' }, seq(1))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(table.updateCheckpoint({ ...mine, leaseCounter: mine.leaseCounter - 1 }, seq(1))).rejects.toBeInstanceOf(LeaseLostError);
    expect((await table.getLease(shardIdOf(0)))?.checkpoint).toEqual({ kind: 'sentinel', value: 'TRIM_HORIZON' });
    const checkpointed = await table.updateCheckpoint(mine, seq(5, 7));
    expect(checkpointed).toMatchObject({ leaseOwner: 'B', leaseCounter: mine.leaseCounter + 1, checkpoint: seq(5, 7), ownerSwitchesSinceCheckpoint: 0 });
    const ended = await table.updateCheckpoint(checkpointed, SHARD_END, { childShardIds: [shardIdOf(2), shardIdOf(1)] });
    expect(ended).toMatchObject({ checkpoint: SHARD_END, childShardIds: [shardIdOf(1), shardIdOf(2)] });
    expect(rawItem(table, shardIdOf(0))?.childShardIds).toEqual({ SS: [shardIdOf(1), shardIdOf(2)] });
  });

  it('release clears the owner (with an optional final checkpoint); only the holder can release', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    await expect(table.releaseLease({ ...mine, leaseOwner: 'B' })).rejects.toBeInstanceOf(LeaseLostError);
    const released = await table.releaseLease(mine, { checkpoint: seq(9) });
    expect(released).toMatchObject({ leaseCounter: mine.leaseCounter + 1, checkpoint: seq(9) });
    expect(released.leaseOwner).toBeUndefined();
    expect(rawItem(table, shardIdOf(0))).not.toHaveProperty('leaseOwner');
    expect(await table.takeLease(released, 'B')).toMatchObject({ leaseOwner: 'B', ownerSwitchesSinceCheckpoint: 0 });
  });

  it('writes the owner’s progress in the renewal; a new owner without a lag removes the old one', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    let mine = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    mine = await table.renewLease(mine, { millisBehindLatest: 1500, recordsProcessed: 42, statsUpdatedAt: 1_764_979_200_000 });
    expect(rawItem(table, shardIdOf(0))).toMatchObject({ millisBehindLatest: { N: '1500' }, recordsProcessed: { N: '42' } });
    const taken = await table.takeLease(mine, 'B');
    await table.renewLease(taken, { recordsProcessed: 0, statsUpdatedAt: 1_764_979_201_000 });
    expect(rawItem(table, shardIdOf(0))).not.toHaveProperty('millisBehindLatest');
  });

  it('evicts conditional on owner and counter; deletes, optionally only at SHARD_END', async () => {
    const table = await freshTable();
    await table.createLeaseIfAbsent(makeLease(shardIdOf(0)));
    const held = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    const renewed = await table.renewLease(held);
    await expect(table.evictLease(held)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await table.evictLease(renewed)).leaseOwner).toBeUndefined();
    expect(await table.deleteLease(shardIdOf(0), { onlyIfShardEnd: true })).toBe(false);
    const again = await table.takeLease((await table.getLease(shardIdOf(0))) as Lease, 'A');
    await table.updateCheckpoint(again, SHARD_END);
    expect(await table.deleteLease(shardIdOf(0), { onlyIfShardEnd: true })).toBe(true);
    expect(await table.getLease(shardIdOf(0))).toBeUndefined();
  });

  it('a missing table is ResourceNotFoundException, not retriable', async () => {
    const missing = new LeaseTable({ client: db.asClient<DynamoDBClient>(), tableName: 'missing' });
    await expect(missing.listLeases()).rejects.toMatchObject({ code: 'DEPENDENCY', awsCode: 'ResourceNotFoundException', retriable: false });
  });

  it('two coordinators share the leases, and a graceful stop hands them over without waiting for expiry', async () => {
    const table = await freshTable();
    for (let i = 0; i < 6; i++) await table.createLeaseIfAbsent(makeLease(shardIdOf(i)));
    const timers = new FakeTimers(0);
    const options = { store: table, failoverTimeMs: 1_500, takerIntervalMs: 200, takerFollowUpMs: 100, maxLeasesToStealAtOneTime: 3, clock: timers, timers };
    const a = new LeaseCoordinator({ ...options, workerId: 'A' });
    const b = new LeaseCoordinator({ ...options, workerId: 'B' });
    await a.start();
    await b.start();
    expect(b.heldLeaseKeys()).toHaveLength(3);
    await timers.advance(1_000);
    expect(a.heldLeaseKeys()).toHaveLength(3);
    await a.stop({ release: true });
    await timers.advance(300);
    expect(b.heldLeaseKeys()).toHaveLength(6);
    await b.stop();
  });
});

describe('the in-memory DynamoDB beyond LeaseTable', () => {
  const client = () => db;
  const create = (name: string, gsi = false) =>
    client().send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(gsi ? [{ AttributeName: 'owner', AttributeType: 'S' as const }] : [])],
        ...(gsi ? { GlobalSecondaryIndexes: [{ IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'KEYS_ONLY' as const } }] } : {}),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );

  it('evaluates OR, NOT, BETWEEN, IN, begins_with, size, if_not_exists and arithmetic', async () => {
    await create('t');
    await client().send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' }, n: { N: '5' }, s: { S: 'hello' } } }));
    const update = (condition: string, values: Record<string, { N?: string; S?: string }> = {}) =>
      client().send(new UpdateItemCommand({ TableName: 't', Key: { pk: { S: 'a' } }, UpdateExpression: 'SET hits = if_not_exists(hits, :zero) + :one', ConditionExpression: condition, ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ...values } }));
    await update('n BETWEEN :lo AND :hi', { ':lo': { N: '1' }, ':hi': { N: '5' } });
    await update('NOT (n < :lo) AND s IN (:x, :y)', { ':lo': { N: '1' }, ':x': { S: 'nope' }, ':y': { S: 'hello' } });
    await update('begins_with(s, :p) OR attribute_exists(missing)', { ':p': { S: 'he' } });
    await update('size(s) = :five', { ':five': { N: '5' } });
    await expect(update('n > :big', { ':big': { N: '10' } })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(update('n = :s', { ':s': { S: '5' } })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' }); // types differ
    const got = await client().send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } }, ConsistentRead: true }));
    expect((got as { Item: Record<string, { N?: string }> }).Item.hits).toEqual({ N: '4' });
    await expect(update('n = :undefined')).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('queries a sparse GSI and bills its writes (KEYS_ONLY entries, a changed key costs delete + put)', async () => {
    await create('g', true);
    await client().send(new PutItemCommand({ TableName: 'g', Item: { pk: { S: '1' }, owner: { S: 'A' } } }));
    await client().send(new PutItemCommand({ TableName: 'g', Item: { pk: { S: '2' }, owner: { S: 'A' } } }));
    await client().send(new PutItemCommand({ TableName: 'g', Item: { pk: { S: '3' } } })); // not in the index
    await client().send(new UpdateItemCommand({ TableName: 'g', Key: { pk: { S: '2' } }, UpdateExpression: 'SET #o = :b', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':b': { S: 'B' } } }));
    const out = (await client().send(new QueryCommand({ TableName: 'g', IndexName: 'byOwner', KeyConditionExpression: '#o = :a', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':a': { S: 'A' } } }))) as { Items: unknown[] };
    expect(out.Items).toEqual([{ pk: { S: '1' }, owner: { S: 'A' } }]);
    const usage = db.meter.byOperation().get('g/byOwner');
    expect(usage?.get('PutItem')?.writeUnits).toBe(2);
    expect(usage?.get('UpdateItem')?.writeUnits).toBe(2);
    expect(usage?.get('Query')).toMatchObject({ calls: 1, readUnits: 0.5, itemsRead: 1 });
    await expect(client().send(new QueryCommand({ TableName: 'g', IndexName: 'byOwner', ConsistentRead: true, KeyConditionExpression: 'owner = :a', ExpressionAttributeValues: { ':a': { S: 'A' } } }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('a transaction applies all its writes or none, at twice the write units', async () => {
    await create('x');
    const put = (pk: string, condition?: string) => ({ Put: { TableName: 'x', Item: { pk: { S: pk } }, ...(condition ? { ConditionExpression: condition } : {}) } });
    await client().send(new TransactWriteItemsCommand({ TransactItems: [put('1'), put('2')] }));
    await expect(client().send(new TransactWriteItemsCommand({ TransactItems: [put('3'), put('1', 'attribute_not_exists(pk)')] }))).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }],
    });
    expect(db.items('x').map((i) => i.pk.S)).toEqual(['1', '2']);
    expect(db.meter.byOperation().get('x')?.get('TransactWriteItems')).toMatchObject({ calls: 2, writeUnits: 8, conditionalFailures: 1 });
  });

  it('bills as AWS does: 1 KiB write units, 4 KiB read units by bytes read, halves for eventual consistency', async () => {
    await create('c');
    const big = 'x'.repeat(1500);
    await client().send(new PutItemCommand({ TableName: 'c', Item: { pk: { S: 'k' }, v: { S: big } } }));
    const size = itemSize({ pk: { S: 'k' }, v: { S: big } });
    expect(size).toBe(2 + 1 + 1 + 1500);
    const failed = client().send(new PutItemCommand({ TableName: 'c', Item: { pk: { S: 'k' } }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await expect(failed).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await client().send(new GetItemCommand({ TableName: 'c', Key: { pk: { S: 'nothing' } } }));
    for (let i = 0; i < 9; i++) await client().send(new PutItemCommand({ TableName: 'c', Item: { pk: { S: `n${i}` }, v: { S: big } } }));
    await client().send(new ScanCommand({ TableName: 'c' }));
    await client().send(new ScanCommand({ TableName: 'c', ConsistentRead: true }));
    const usage = db.meter.byOperation().get('c');
    expect(usage?.get('PutItem')).toMatchObject({ calls: 11, writeUnits: 10 * 2 + 2, conditionalFailures: 1 }); // the failed one: the existing item's 2 units
    expect(usage?.get('GetItem')).toMatchObject({ readUnits: 0.5 });
    expect(usage?.get('Scan')).toMatchObject({ calls: 2, readUnits: readUnits(10 * size, false) + readUnits(10 * size, true), itemsRead: 20 });
    expect(readUnits(10 * size, true)).toBe(4); // 15,050 bytes → 4 × 4 KiB
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(itemSize({ n: { N: '12345' }, l: { L: [{ BOOL: true }] } })).toBe(1 + 4 + 1 + (3 + 1 + 1));
  });
});
