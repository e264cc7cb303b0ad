/**
 * Restart durability: the emulator runs in a child process on a data dir, takes puts (and a split) through the
 * SDK, and is killed with SIGKILL right after the last acknowledgement. A new process on the same dir must serve
 * every acknowledged record with the same sequence number, data and partition key, the same stream, shard and
 * consumer metadata, shard iterators issued before the kill, and larger sequence numbers for new puts.
 * Once with the default fsync policy (`interval`) and once with `always`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type ChildShard,
} from '@aws-sdk/client-kinesis';
import type { EmulatorOptions } from '../emulator';
import { killEmulatorChild, startEmulatorChild, type EmulatorChild } from '../testing/emulator-process';

const HALF = 2n ** 127n;

function clientFor(url: string): KinesisClient {
  return new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

interface Acked {
  shardId: string;
  seq: string;
  data: string;
  key: string;
}

interface ReadBack {
  records: Acked[];
  childShards?: ChildShard[];
}

/** Reads a shard from `iterator` until caught up (or to the end of a closed shard). */
async function readAll(client: KinesisClient, shardId: string, iterator: string | undefined): Promise<ReadBack> {
  const records: Acked[] = [];
  let it = iterator;
  for (let page = 0; it && page < 100; page++) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const r of out.Records ?? []) {
      records.push({ shardId, seq: r.SequenceNumber as string, data: Buffer.from(r.Data as Uint8Array).toString('base64'), key: r.PartitionKey as string });
    }
    if (out.ChildShards && out.ChildShards.length > 0) return { records, childShards: out.ChildShards };
    if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
    it = out.NextShardIterator;
  }
  return { records };
}

async function iteratorOf(client: KinesisClient, stream: string, shardId: string, type: 'TRIM_HORIZON' | 'AFTER_SEQUENCE_NUMBER' = 'TRIM_HORIZON', seq?: string): Promise<string> {
  const out = await client.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: type, StartingSequenceNumber: seq }),
  );
  return out.ShardIterator as string;
}

/** Data with binary bytes and varied sizes; keys partly non-ASCII. */
function batch(tag: string, b: number, n: number): Array<{ key: string; data: Buffer }> {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 3 === 0 ? `ключ-${tag}-${b}-${i}` : `key-${tag}-${b}-${i}`,
    data: Buffer.concat([Buffer.from(`${tag}/${b}/${i}:`), Buffer.from([0, 255, i % 256, b % 256]), Buffer.alloc((i * 37) % 700, i % 256)]),
  }));
}

async function putBatch(client: KinesisClient, stream: string, entries: Array<{ key: string; data: Buffer; hash?: string }>): Promise<Acked[]> {
  const out = await client.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: entries.map((e) => ({ PartitionKey: e.key, Data: e.data, ExplicitHashKey: e.hash })),
    }),
  );
  expect(out.FailedRecordCount).toBe(0);
  return (out.Records ?? []).map((r, i) => ({
    shardId: r.ShardId as string,
    seq: r.SequenceNumber as string,
    data: entries[i].data.toString('base64'),
    key: entries[i].key,
  }));
}

const byShard = (acked: Acked[], shardId: string): Acked[] => acked.filter((a) => a.shardId === shardId);
const maxSeq = (acked: Acked[]): bigint => acked.reduce((m, a) => (BigInt(a.seq) > m ? BigInt(a.seq) : m), 0n);

describe.each<[string, EmulatorOptions['fsync']]>([
  ['interval', undefined],
  ['always', 'always'],
])('durability across SIGKILL (fsync %s)', (label, fsync) => {
  const main = `dur-${label}-main`;
  const split = `dur-${label}-split`;
  let dataDir: string;
  let child: EmulatorChild | undefined;
  let client: KinesisClient | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tributary-durability-${label}-`));
  });
  afterAll(async () => {
    client?.destroy();
    if (child) await killEmulatorChild(child, 'SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves every acknowledged record, the metadata and old iterators after a restart', async () => {
    const options: EmulatorOptions = { dataDir, fsync, limits: false, segmentBytes: 16 * 1024 };
    child = await startEmulatorChild(options);
    client = clientFor(child.url);

    // Control plane: two streams, one of them split, a consumer, a tag, a longer retention.
    await client.send(new CreateStreamCommand({ StreamName: main, ShardCount: 2 }));
    await client.send(new CreateStreamCommand({ StreamName: split, ShardCount: 1 }));
    const splitArn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: split }))).StreamDescriptionSummary?.StreamARN;
    const consumer = await client.send(new RegisterStreamConsumerCommand({ StreamARN: splitArn, ConsumerName: 'survivor' }));
    await client.send(new AddTagsToStreamCommand({ StreamName: main, Tags: { team: 'durability', fsync: label } }));
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: main, RetentionPeriodHours: 48 }));

    // Data plane: batches to both streams; the split happens between them (segments roll at 16 KiB).
    const acked: Acked[] = [];
    for (let b = 0; b < 8; b++) acked.push(...(await putBatch(client, main, batch('m', b, 40))));
    for (let b = 0; b < 3; b++) acked.push(...(await putBatch(client, split, batch('p', b, 20))));
    await client.send(new SplitShardCommand({ StreamName: split, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: HALF.toString() }));
    for (let b = 3; b < 6; b++) acked.push(...(await putBatch(client, split, batch('c', b, 20))));
    const mainAcked = acked.slice(0, 320);
    const splitAcked = acked.slice(320);
    expect(new Set(mainAcked.map((a) => a.shardId))).toEqual(new Set(['shardId-000000000000', 'shardId-000000000001']));
    expect(new Set(splitAcked.slice(60).map((a) => a.shardId))).toEqual(new Set(['shardId-000000000001', 'shardId-000000000002']));

    // What must look the same after the restart.
    const summary = async (name: string) => (await client?.send(new DescribeStreamSummaryCommand({ StreamName: name })))?.StreamDescriptionSummary;
    const shards = async (name: string) => (await client?.send(new ListShardsCommand({ StreamName: name })))?.Shards;
    const before = {
      streams: (await client.send(new ListStreamsCommand({}))).StreamNames,
      mainSummary: await summary(main),
      splitSummary: await summary(split),
      mainShards: await shards(main),
      splitShards: await shards(split),
      consumer: (await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.Consumer?.ConsumerARN }))).ConsumerDescription,
      tags: (await client.send(new ListTagsForStreamCommand({ StreamName: main }))).Tags,
    };
    expect(before.splitShards?.map((s) => [s.ShardId, s.ParentShardId])).toEqual([
      ['shardId-000000000000', undefined],
      ['shardId-000000000001', 'shardId-000000000000'],
      ['shardId-000000000002', 'shardId-000000000000'],
    ]);
    const shard0 = byShard(mainAcked, 'shardId-000000000000');
    const oldTrimHorizon = await iteratorOf(client, main, 'shardId-000000000000');
    const oldAfter = await iteratorOf(client, main, 'shardId-000000000000', 'AFTER_SEQUENCE_NUMBER', shard0[9].seq);

    // The last acknowledgement, then kill -9 at once.
    acked.push(...(await putBatch(client, main, batch('last', 99, 10))));
    expect(await killEmulatorChild(child, 'SIGKILL')).toBe('SIGKILL');
    client.destroy();

    child = await startEmulatorChild(options);
    client = clientFor(child.url);

    expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual(before.streams);
    expect(await summary(main)).toEqual(before.mainSummary);
    expect(await summary(split)).toEqual(before.splitSummary);
    expect(await shards(main)).toEqual(before.mainShards);
    expect(await shards(split)).toEqual(before.splitShards);
    expect((await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.Consumer?.ConsumerARN }))).ConsumerDescription).toEqual(
      before.consumer,
    );
    expect((await client.send(new ListTagsForStreamCommand({ StreamName: main }))).Tags).toEqual(before.tags);

    // Every acknowledged record, in order, nothing else.
    const allMain = acked.filter((a) => !splitAcked.includes(a));
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const got = await readAll(client, shardId, await iteratorOf(client, main, shardId));
      expect(got.records).toEqual(byShard(allMain, shardId));
    }
    const parent = await readAll(client, 'shardId-000000000000', await iteratorOf(client, split, 'shardId-000000000000'));
    expect(parent.records).toEqual(byShard(splitAcked, 'shardId-000000000000'));
    expect(parent.childShards?.map((c) => c.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    for (const shardId of ['shardId-000000000001', 'shardId-000000000002']) {
      const got = await readAll(client, shardId, await iteratorOf(client, split, shardId));
      expect(got.records).toEqual(byShard(splitAcked, shardId));
    }

    // Iterators issued before the kill.
    const allShard0 = byShard(allMain, 'shardId-000000000000');
    expect((await readAll(client, 'shardId-000000000000', oldTrimHorizon)).records).toEqual(allShard0);
    expect((await readAll(client, 'shardId-000000000000', oldAfter)).records).toEqual(allShard0.slice(10));

    // New puts continue each open shard with larger sequence numbers.
    const targets: Array<[string, string, string]> = [
      [main, 'shardId-000000000000', '0'],
      [main, 'shardId-000000000001', HALF.toString()],
      [split, 'shardId-000000000001', '0'],
      [split, 'shardId-000000000002', HALF.toString()],
    ];
    for (const [stream, shardId, hash] of targets) {
      const [fresh] = await putBatch(client, stream, [{ key: 'after-restart', data: Buffer.from('new'), hash }]);
      expect(fresh.shardId).toBe(shardId);
      const previous = byShard(stream === main ? allMain : splitAcked, shardId);
      expect(BigInt(fresh.seq) > maxSeq(previous)).toBe(true);
      const got = await readAll(client, shardId, await iteratorOf(client, stream, shardId));
      expect(got.records).toEqual([...previous, fresh]);
    }
  });
});
