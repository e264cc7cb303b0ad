/**
 * Shard ids as AWS reads them, through the official SDK v3 client over HTTP/2 and HTTP/1.1: every operation
 * that takes a ShardId accepts `shardId-0`, `shard-0`, `anything-0` (the number after the hyphen) and answers
 * with the canonical `shardId-000000000000`; an id with no usable number, or above 2^31 − 1, names no shard.
 * And which error AWS gives first when both the stream and the shard are wrong, in its words.
 */
import {
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '@tributary/runtime/testing';
import {
  KDS_HANDLERS,
  TEST_ACCOUNT,
  createActiveStream,
  errorOf,
  streamArnOf,
  uniqueStreamName,
  useKdsTestEmulator,
  waitForStreamStatus,
} from '../testing/kds-test-clients';
import { HALF_HASH_KEY } from '../testing/hash-keys';

const id = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;
const LOOSE = ['shardId-1', 'shard-1', 'anything-1', '1', '-00000001', 'x-000000000000000001'];
const NO_SHARD = ['ABKLFD8', '2.14E4', 'shardId-', '2147483648', 'shardId-002147483648'];

describe.each(KDS_HANDLERS)('KDS shard ids over the %s', (handler) => {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const t = useKdsTestEmulator(handler, { clock, limits: false });
  let name: string;

  beforeAll(async () => {
    name = uniqueStreamName('ids');
    await createActiveStream(t.client, name, 3);
    // One record in shard 1 only, to tell which shard an iterator reads.
    const shard1 = (await t.client.send(new ListShardsCommand({ StreamName: name }))).Shards?.[1];
    const put = await t.client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('in shard 1'), ExplicitHashKey: shard1?.HashKeyRange?.StartingHashKey }),
    );
    expect(put.ShardId).toBe(id(1));
  });

  const iterator = (streamName: string, shardId: string) =>
    t.client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));

  describe('GetShardIterator', () => {
    it.each(LOOSE)('reads %j as shard 1', async (loose) => {
      const it = (await iterator(name, loose)).ShardIterator as string;
      const read = await t.client.send(new GetRecordsCommand({ ShardIterator: it }));
      expect(read.Records?.map((r) => Buffer.from(r.Data ?? []).toString())).toEqual(['in shard 1']);
    });

    it.each(NO_SHARD)('answers "Could not find shard %s" for an id that names no shard', async (text) => {
      const err = await errorOf(iterator(name, text));
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toBe(`Could not find shard ${text} in stream ${name} under account ${TEST_ACCOUNT}.`);
    });

    it('names the canonical shard when it is not in the stream', async () => {
      const err = await errorOf(iterator(name, 'shard-5'));
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toBe(`Shard ${id(5)} in stream ${name} under account ${TEST_ACCOUNT} does not exist`);
    });

    it('reports the shard, not the stream, when both are unknown', async () => {
      const unknown = uniqueStreamName('nowhere');
      const bad = await errorOf(iterator(unknown, 'ABKLFD8'));
      expect([bad.name, bad.message]).toEqual([
        'ResourceNotFoundException',
        `Could not find shard ABKLFD8 in stream ${unknown} under account ${TEST_ACCOUNT}.`,
      ]);
      const valid = await errorOf(iterator(unknown, 'a-00002147483647'));
      expect([valid.name, valid.message]).toEqual([
        'ResourceNotFoundException',
        `Shard shardId-002147483647 in stream ${unknown} under account ${TEST_ACCOUNT} does not exist`,
      ]);
    });
  });

  describe('ListShards and DescribeStream', () => {
    it.each(LOOSE)('read ExclusiveStartShardId %j as shard 1', async (loose) => {
      const listed = await t.client.send(new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: loose }));
      expect(listed.Shards?.map((s) => s.ShardId)).toEqual([id(2)]);
      const described = await t.client.send(new DescribeStreamCommand({ StreamName: name, ExclusiveStartShardId: loose }));
      expect(described.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual([id(2)]);
    });

    it('read the AFTER_SHARD_ID filter loosely', async () => {
      const listed = await t.client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shard-0' } }));
      expect(listed.Shards?.map((s) => s.ShardId)).toEqual([id(1), id(2)]);
    });

    it('ListShards refuses an id that names no shard', async () => {
      const err = await errorOf(t.client.send(new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: 'ABKLFD8' })));
      expect([err.name, err.message]).toEqual([
        'ResourceNotFoundException',
        `Could not find shard ABKLFD8 in stream ${name} under account ${TEST_ACCOUNT}.`,
      ]);
    });
  });

  describe('SplitShard and MergeShards', () => {
    it('split and merge shards named loosely, and name the children canonically', async () => {
      const own = uniqueStreamName('reshard-ids');
      await createActiveStream(t.client, own, 2);
      await t.client.send(new SplitShardCommand({ StreamName: own, ShardToSplit: 'shard-0', NewStartingHashKey: (HALF_HASH_KEY / 2n).toString() }));
      await waitForStreamStatus(t.client, own, 'ACTIVE');
      // Shard 0 → 2 and 3; merge 3 (upper half of 0) with 1 (the stream's upper half).
      await t.client.send(new MergeShardsCommand({ StreamName: own, ShardToMerge: 'x-3', AdjacentShardToMerge: '1' }));
      await waitForStreamStatus(t.client, own, 'ACTIVE');
      const shards = (await t.client.send(new ListShardsCommand({ StreamName: own }))).Shards ?? [];
      expect(shards.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId])).toEqual([
        [id(0), undefined, undefined],
        [id(1), undefined, undefined],
        [id(2), id(0), undefined],
        [id(3), id(0), undefined],
        [id(4), id(3), id(1)],
      ]);
    });

    type Call = (stream: string, shard: string) => Promise<unknown>;
    const calls: Array<[string, Call]> = [
      ['SplitShard', (stream, shard) => t.client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shard, NewStartingHashKey: '5' }))],
      ['MergeShards', (stream, shard) => t.client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: shard, AdjacentShardToMerge: 'shard-1' }))],
      [
        'MergeShards (adjacent)',
        (stream, shard) => t.client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: 'shard-0', AdjacentShardToMerge: shard })),
      ],
    ];
    it.each(calls)('%s: reports the shard first and in AWS words', async (_op, call) => {
      const unknown = uniqueStreamName('nowhere');
      // An id that names no shard, with an unknown stream: the shard, verbatim.
      const bad = await errorOf(call(unknown, 'ABKLFD8'));
      expect([bad.name, bad.message]).toEqual([
        'ResourceNotFoundException',
        `Could not find shard ABKLFD8 in stream ${unknown} under account ${TEST_ACCOUNT}.`,
      ]);
      // A valid id with an unknown stream: the stream.
      const noStream = await errorOf(call(unknown, 'shard-7'));
      expect([noStream.name, noStream.message]).toEqual(['ResourceNotFoundException', `Stream ${unknown} under account ${TEST_ACCOUNT} not found.`]);
      // A valid id the stream does not have: the shard, canonical.
      const noShard = await errorOf(call(name, 'shardId-7'));
      expect([noShard.name, noShard.message]).toEqual([
        'ResourceNotFoundException',
        `Could not find shard ${id(7)} in stream ${name} under account ${TEST_ACCOUNT}.`,
      ]);
    });
  });

  describe('SubscribeToShard', () => {
    it('reads the ShardId loosely', async () => {
      const own = uniqueStreamName('efo-ids');
      await createActiveStream(t.client, own, 2);
      const registered = await t.client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArnOf(own), ConsumerName: 'c' }));
      const arn = registered.Consumer?.ConsumerARN as string;
      for (let i = 0; i < 100; i++) {
        const d = await t.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }));
        if (d.ConsumerDescription?.ConsumerStatus === 'ACTIVE') break;
      }
      const res = await t.client.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: 'shard-1', StartingPosition: { Type: 'LATEST' } }));
      const stream = res.EventStream as AsyncIterable<SubscribeToShardEventStream>;
      for await (const event of stream) {
        expect(event.SubscribeToShardEvent?.ContinuationSequenceNumber).toMatch(/^\d{56}$/);
        // Its continuation numbers are shard 1's (the shard index sits in bits 4–35).
        expect(Number((BigInt(event.SubscribeToShardEvent?.ContinuationSequenceNumber as string) >> 4n) & 0xffffffffn)).toBe(1);
        break;
      }
      const err = await errorOf(
        t.client.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: 'ABKLFD8', StartingPosition: { Type: 'LATEST' } })),
      );
      expect([err.name, err.message]).toEqual(['ResourceNotFoundException', `Could not find shard ABKLFD8 in stream ${own} under account ${TEST_ACCOUNT}.`]);
    });
  });
});
