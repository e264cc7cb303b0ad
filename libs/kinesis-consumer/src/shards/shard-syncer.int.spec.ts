/**
 * ShardSyncer against the emulator: ListShards (paged) from the real Kinesis API, leases in the emulator's
 * DynamoDB. Leases for a new stream, idempotence and workers syncing at once, children after a split and a merge,
 * LATEST on a resharded stream, cleanup of a finished parent (never recreated), and a missing stream.
 */
import { ListShardsCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createActiveStream, uniqueStreamName, uniqueTableName, waitForStreamStatus } from '@tributary/emulator/testing';
import { ConsumerError } from '../consumer-error';
import type { Checkpoint, Lease } from '../consumer-types';
import { LeaseTable } from '../leases/lease-table';
import { startConsumerTestEnv, type ConsumerTestEnv } from '../testing/consumer-int-kit';
import { SHARD_END, TRIM_HORIZON } from '../testing/lease-test-kit';
import { ShardSyncer, type ShardSyncerOptions } from './shard-syncer';

const LATEST: Checkpoint = { kind: 'sentinel', value: 'LATEST' };
const STARTED: Checkpoint = { kind: 'sequence', sequenceNumber: '49000000000000000000000000001', subSequenceNumber: 0 };
const HALF = (2n ** 127n).toString();
const QUARTER = (2n ** 126n).toString();

let kit: ConsumerTestEnv;
let kinesis: KinesisClient;

beforeAll(async () => {
  kit = await startConsumerTestEnv();
  kinesis = kit.kinesis;
});

afterAll(async () => {
  await kit.close();
});

async function setup(shards: number, options: Partial<ShardSyncerOptions> = {}) {
  const streamName = uniqueStreamName('sync');
  await createActiveStream(kinesis, streamName, shards);
  const table = new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: uniqueTableName('sync-leases') });
  await table.ensureTable();
  const syncer = new ShardSyncer({ kinesisClient: kinesis, store: table, streamName, initialPosition: 'TRIM_HORIZON', ...options });
  return { streamName, table, syncer };
}

async function shardIds(streamName: string): Promise<string[]> {
  const out = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  return (out.Shards ?? []).map((s) => s.ShardId as string);
}

function byKey(leases: Lease[]): Map<string, Lease> {
  return new Map(leases.map((l) => [l.leaseKey, l]));
}

/** Takes the lease as `owner` and writes `checkpoint`, as a worker would. */
async function checkpointAs(table: LeaseTable, key: string, checkpoint: Checkpoint): Promise<void> {
  const taken = await table.takeLease((await table.getLease(key)) as Lease, 'worker');
  await table.updateCheckpoint(taken, checkpoint);
}

describe('ShardSyncer on the emulator', () => {
  it('creates one lease per shard of a new stream, once, even with workers syncing at once', async () => {
    const { streamName, table, syncer } = await setup(3);
    const other = new ShardSyncer({ kinesisClient: kit.makeKinesisClient(), store: table, streamName, initialPosition: 'TRIM_HORIZON' });
    const [first, second] = await Promise.all([syncer.sync(), other.sync()]);
    expect(first.created.length + second.created.length).toBe(3);
    const leases = await table.listLeases();
    expect(leases.map((l) => l.leaseKey).sort()).toEqual((await shardIds(streamName)).sort());
    for (const lease of leases) {
      expect(lease).toMatchObject({ checkpoint: TRIM_HORIZON, leaseCounter: 0, parentShardIds: [] });
      expect(lease.leaseOwner).toBeUndefined();
      expect(BigInt(lease.endingHashKey)).toBeGreaterThan(BigInt(lease.startingHashKey));
    }
    expect(await syncer.sync()).toMatchObject({ shards: 3, leases: 3, created: [], deleted: [] });
  });

  it('reads every ListShards page', async () => {
    const { table, syncer } = await setup(5, { listShardsPageSize: 2 });
    expect((await syncer.sync()).created).toHaveLength(5);
    expect(await table.listLeases()).toHaveLength(5);
  });

  it('adds the children of a split and of a merge, at TRIM_HORIZON, naming their parents', async () => {
    const { streamName, table, syncer } = await setup(1, { initialPosition: 'LATEST' });
    await syncer.sync();
    const [root] = await shardIds(streamName);
    expect((await table.getLease(root))?.checkpoint).toEqual(LATEST);

    await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: root, NewStartingHashKey: HALF }));
    await waitForStreamStatus(kinesis, streamName, 'ACTIVE');
    const afterSplit = await syncer.sync();
    expect(afterSplit.created).toHaveLength(2);
    const children = afterSplit.created.sort();
    const leases = byKey(await table.listLeases());
    for (const child of children) expect(leases.get(child)).toMatchObject({ checkpoint: TRIM_HORIZON, parentShardIds: [root] });

    await kinesis.send(new MergeShardsCommand({ StreamName: streamName, ShardToMerge: children[0], AdjacentShardToMerge: children[1] }));
    await waitForStreamStatus(kinesis, streamName, 'ACTIVE');
    const afterMerge = await syncer.sync();
    expect(afterMerge.created).toHaveLength(1);
    expect(await table.getLease(afterMerge.created[0])).toMatchObject({ checkpoint: TRIM_HORIZON, parentShardIds: children });
    expect((await syncer.sync()).created).toEqual([]);
  });

  it('on a stream that resharded before the first sync, LATEST leases only the open shards', async () => {
    const streamName = uniqueStreamName('sync-latest');
    await createActiveStream(kinesis, streamName, 1);
    const [root] = await shardIds(streamName);
    await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: root, NewStartingHashKey: HALF }));
    await waitForStreamStatus(kinesis, streamName, 'ACTIVE');
    const table = new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: uniqueTableName('sync-latest') });
    await table.ensureTable();

    const latest = new ShardSyncer({ kinesisClient: kinesis, store: table, streamName, initialPosition: 'LATEST' });
    const result = await latest.sync();
    expect(result.shards).toBe(3);
    expect(result.created).toHaveLength(2);
    expect(result.created).not.toContain(root);
    for (const lease of await table.listLeases()) expect(lease).toMatchObject({ checkpoint: LATEST, parentShardIds: [root] });

    // TRIM_HORIZON on the same stream (another application) starts from the closed root.
    const table2 = new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: uniqueTableName('sync-trim') });
    await table2.ensureTable();
    const trim = new ShardSyncer({ kinesisClient: kinesis, store: table2, streamName, initialPosition: 'TRIM_HORIZON' });
    expect((await trim.sync()).created).toHaveLength(3);
    expect((await table2.getLease(root))?.checkpoint).toEqual(TRIM_HORIZON);
  });

  it('deletes a finished parent once its children started, and never recreates it', async () => {
    const { streamName, table, syncer } = await setup(2);
    await syncer.sync();
    const [first] = await shardIds(streamName);
    await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: first, NewStartingHashKey: QUARTER }));
    await waitForStreamStatus(kinesis, streamName, 'ACTIVE');
    const { created: children } = await syncer.sync();
    expect(children).toHaveLength(2);

    await checkpointAs(table, first, SHARD_END);
    await checkpointAs(table, children[0], STARTED);
    expect((await syncer.sync()).deleted).toEqual([]); // one child has not started
    await checkpointAs(table, children[1], STARTED);
    expect(await syncer.sync()).toMatchObject({ deleted: [first], created: [] });
    expect(await table.getLease(first)).toBeUndefined();
    expect(await syncer.sync()).toMatchObject({ deleted: [], created: [] }); // the listed, finished shard stays gone
    expect((await table.listLeases()).length).toBe(3);
  });

  it('leaves finished leases alone when cleanup is off', async () => {
    const { streamName, table, syncer } = await setup(1, { cleanupLeases: false });
    await syncer.sync();
    const [root] = await shardIds(streamName);
    await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: root, NewStartingHashKey: HALF }));
    await waitForStreamStatus(kinesis, streamName, 'ACTIVE');
    const { created } = await syncer.sync();
    await checkpointAs(table, root, SHARD_END);
    for (const child of created) await checkpointAs(table, child, STARTED);
    expect((await syncer.sync()).deleted).toEqual([]);
    expect(await table.getLease(root)).toBeDefined();
  });

  it('a missing stream is SHARD_NOT_FOUND, not retriable', async () => {
    const table = new LeaseTable({ client: kit.makeDynamoDbClient(), tableName: uniqueTableName('sync-missing') });
    await table.ensureTable();
    const syncer = new ShardSyncer({ kinesisClient: kinesis, store: table, streamName: uniqueStreamName('nope'), initialPosition: 'LATEST' });
    const err = await syncer.sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err).toMatchObject({ code: 'SHARD_NOT_FOUND', retriable: false });
  });
});
