/**
 * `tributary lag` against a lease table kept by a real worker of @tributary/kinesis-consumer: one shard caught
 * up, the other stuck behind a batch its handler holds, so the owner, counter and both kinds of lag are real.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListShardsCommand, PutRecordCommand, PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import {
  createActiveStream,
  createDynamoDbClient,
  startKdsTestEmulator,
  uniqueStreamName,
  uniqueTableName,
  HTTP1_NODE,
  TEST_CREDENTIALS,
  TEST_REGION,
  type KdsTestEmulator,
} from '@tributary/emulator/testing';
import { KinesisConsumer, LeaseTable, type ConsumerRecord, type Lease } from '@tributary/kinesis-consumer';
import { AggregateBuilder } from '@tributary/kpl';
import { collect, runCli, spawnCli } from '../testing/stream-cli-kit';
import { waitUntil } from '@tributary/runtime/testing';

/** In-process state polled often: a missed moment would change what the command sees. */
const FAST = { intervalMs: 25 };

let kds: KdsTestEmulator;
beforeAll(async () => {
  kds = await startKdsTestEmulator();
});
afterAll(async () => {
  await kds?.close();
});

const client = () => kds.clients[HTTP1_NODE];
const endpoint = () => ['--endpoint-url', kds.emu.url];

interface LagDoc {
  application: string;
  shards: Array<{ shardId: string; state: string; owner?: string; leaseCounter: number; checkpoint: string; measured?: { millisBehind: number; recordsBehind?: number } }>;
}

describe('tributary lag', () => {
  const stream = uniqueStreamName('cli-lag');
  const application = uniqueTableName('cli-lag-app');
  const workerId = 'worker-a';
  let consumer: KinesisConsumer;
  let consumerDynamo: DynamoDBClient | undefined;
  let release: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  const seen = new Map<string, number>();
  let stalledShard = '';

  beforeAll(async () => {
    await createActiveStream(client(), stream, 2);
    consumerDynamo = createDynamoDbClient(kds.emu.url);
    consumer = new KinesisConsumer({
      streamName: stream,
      applicationName: application,
      workerId,
      dynamoClient: consumerDynamo,
      clientOptions: { endpoint: kds.emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
      idleTimeBetweenReadsMs: 200,
      takerIntervalMs: 200,
      shardSyncIntervalMs: 500,
      handler: async (records: ConsumerRecord[], context) => {
        seen.set(context.shardId, (seen.get(context.shardId) ?? 0) + records.length);
        // A batch with a "stall" record is held until the end of the suite: its shard's checkpoint stays before it.
        if (records.some((r) => Buffer.from(r.data).toString() === 'stall')) {
          stalledShard = context.shardId;
          await stalled;
        }
      },
    });
    await consumer.start();
    await waitUntil('both leases taken', () => consumer.stats().leasesHeld.length === 2, FAST);
    // 20 records on each shard (keys chosen per shard by the stream's hash ranges: 'a…' and 'b…' keys are spread).
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    await client().send(new PutRecordsCommand({ StreamName: stream, Records: keys.map((k) => ({ PartitionKey: k, Data: Buffer.from(`ok ${k}`) })) }));
    await waitUntil('the first records processed and checkpointed', () => [...seen.values()].reduce((a, b) => a + b, 0) === 40, FAST);
    await new Promise((r) => setTimeout(r, 300));
    // Then 5 records for one key (one shard): the first is the stall marker, the 4 behind it wait too.
    await client().send(new PutRecordsCommand({ StreamName: stream, Records: ['stall', 'w1', 'w2', 'w3', 'w4'].map((d) => ({ PartitionKey: 'key-stuck', Data: Buffer.from(d) })) }));
    await waitUntil('the stall batch held', () => stalledShard !== '', FAST);
  }, 60_000);

  afterAll(async () => {
    release();
    await consumer?.stop();
    consumerDynamo?.destroy();
  });

  it('shows each shard\'s owner, lease counter and lag measured from the checkpoint (--json, with --records)', async () => {
    await new Promise((r) => setTimeout(r, 400));
    const run = await runCli(['lag', application, '--stream', stream, '--records', '--json', ...endpoint()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as LagDoc;
    expect(doc.application).toBe(application);
    expect(doc.shards).toHaveLength(2);
    for (const shard of doc.shards) {
      expect(shard).toMatchObject({ state: 'open', owner: workerId });
      expect(shard.leaseCounter).toBeGreaterThan(1);
      expect(shard.checkpoint).toMatch(/^\d+$/);
    }
    const stuck = doc.shards.find((s) => s.shardId === stalledShard);
    const other = doc.shards.find((s) => s.shardId !== stalledShard);
    expect(stuck?.measured?.recordsBehind).toBe(5);
    expect(stuck?.measured?.millisBehind).toBeGreaterThanOrEqual(400);
    expect(other?.measured).toEqual({ millisBehind: 0, recordsBehind: 0 });
  });

  it('prints a table once, and with --watch refreshes until Ctrl-C (exit 130)', async () => {
    const once = await runCli(['lag', application, '--stream', stream, ...endpoint()]);
    expect(once.code).toBe(0);
    const lines = once.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SHARD\s+STATE\s+OWNER\s+COUNTER\s+CHECKPOINT\s+BEHIND\s+RECORDS\s+OWNER REPORTED$/);
    expect(lines.filter((l) => l.includes(workerId))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(new RegExp(`^${application}: 2 lease\\(s\\), 2 active, 1 worker\\(s\\), 0 unowned; most behind `));

    const started = Date.now();
    const child = spawnCli(['lag', application, '--stream', stream, '--watch', '0.5', ...endpoint()]);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const done = collect(child, started);
    await waitUntil('two refreshes', () => (out.match(/^SHARD/gm) ?? []).length >= 2, { ...FAST, timeoutMs: 30_000 });
    child.kill('SIGINT');
    const watched = await done;
    expect(watched.code).toBe(130);
  });

  it('says when the application has no lease table (exit 3) and refuses --records without --stream (exit 2)', async () => {
    const missing = await runCli(['lag', 'no-such-application', ...endpoint()]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no lease table named no-such-application');
    const usage = await runCli(['lag', application, '--records', ...endpoint()]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--records needs --stream');
  });
});

describe('tributary lag, checkpoints inside a KPL aggregate and across a split', () => {
  it('counts the sub-records after a (sequence, sub-sequence) checkpoint, and shows closed and finished shards', async () => {
    const stream = uniqueStreamName('cli-lag-agg');
    const application = uniqueTableName('cli-lag-agg-app');
    await createActiveStream(client(), stream, 1);
    const builder = new AggregateBuilder();
    for (const d of ['a0', 'a1', 'a2', 'a3', 'a4']) builder.add({ partitionKey: 'k', partitionKeyBytes: 1, data: Buffer.from(d) });
    const put = await client().send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: builder.encode() }));
    const parent = put.ShardId as string;
    await client().send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent, NewStartingHashKey: (2n ** 127n).toString() }));
    let shards: string[] = [];
    for (let i = 0; i < 200 && shards.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 25));
      shards = ((await client().send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).map((s) => s.ShardId as string);
    }
    expect(shards).toHaveLength(3);
    const [childA, childB] = shards.filter((s) => s !== parent);
    // The lease table as the consumer lib writes it: the parent checkpointed after sub-record 2 of the aggregate,
    // one child finished, the other not started.
    const dynamo = createDynamoDbClient(kds.emu.url);
    const table = new LeaseTable({ client: dynamo, tableName: application });
    await table.ensureTable();
    const lease = (leaseKey: string, checkpoint: Lease['checkpoint'], owner?: string): Lease => ({
      leaseKey,
      leaseCounter: 1,
      checkpoint,
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: leaseKey === parent ? [] : [parent],
      childShardIds: [],
      startingHashKey: '',
      endingHashKey: '',
      ...(owner ? { leaseOwner: owner } : {}),
    });
    await table.createLeaseIfAbsent(lease(parent, { kind: 'sequence', sequenceNumber: put.SequenceNumber as string, subSequenceNumber: 2 }, 'w9'));
    await table.createLeaseIfAbsent(lease(childA, { kind: 'sentinel', value: 'SHARD_END' }));
    await table.createLeaseIfAbsent(lease(childB, { kind: 'sentinel', value: 'TRIM_HORIZON' }));
    dynamo.destroy();
    const run = await runCli(['lag', application, '--stream', stream, '--records', '--json', ...endpoint()]);
    expect(run.code).toBe(0);
    const rows = new Map((JSON.parse(run.stdout) as LagDoc).shards.map((s) => [s.shardId, s]));
    expect(rows.get(parent)).toMatchObject({ state: 'closed', owner: 'w9', checkpoint: `${put.SequenceNumber}:2`, measured: { recordsBehind: 2 } });
    expect(rows.get(parent)?.measured?.millisBehind).toBeGreaterThan(0);
    expect(rows.get(childA)).toMatchObject({ state: 'finished', measured: { millisBehind: 0, recordsBehind: 0 } });
    expect(rows.get(childB)).toMatchObject({ state: 'open', measured: { millisBehind: 0, recordsBehind: 0 } });
  });
});
