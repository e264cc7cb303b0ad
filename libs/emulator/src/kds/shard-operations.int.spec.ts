/**
 * Shards through the official SDK v3 client, over HTTP/2 and HTTP/1.1: ListShards paging, token expiry and every
 * ShardFilter type; SplitShard, MergeShards and UpdateShardCount; and resharding lineage end to end as KCL reads
 * it (kds-reference.md §0.5: a GetRecords response has a null NextShardIterator iff it has non-empty ChildShards).
 * The clock is injected so token expiry and the shard timestamps the filters compare are exact.
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  type GetRecordsCommandOutput,
  type KinesisClient,
  type Shard,
  type ShardFilterType,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '@tributary/runtime/testing';
import {
  KDS_HANDLERS,
  TEST_ACCOUNT,
  createActiveStream,
  errorOf,
  uniqueStreamName,
  useKdsTestEmulator,
  waitForStreamStatus,
} from '../testing/kds-test-clients';
import { HALF_HASH_KEY, MAX_HASH_KEY, md5HashKey } from '../testing/hash-keys';

const HALF = HALF_HASH_KEY;
const id = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;
const ids = (shards: Shard[] | undefined): string[] => (shards ?? []).map((s) => s.ShardId as string);
const range = (s: Shard): [bigint, bigint] => [BigInt(s.HashKeyRange?.StartingHashKey as string), BigInt(s.HashKeyRange?.EndingHashKey as string)];

async function listAll(client: KinesisClient, name: string): Promise<Shard[]> {
  return (await client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
}

describe.each(KDS_HANDLERS)('KDS shard operations over the %s', (handler) => {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const t = useKdsTestEmulator(handler, { clock, limits: false });

  describe('ListShards', () => {
    it('pages with MaxResults and NextToken', async () => {
      const name = uniqueStreamName('list');
      await createActiveStream(t.client, name, 5);
      const first = await t.client.send(new ListShardsCommand({ StreamName: name, MaxResults: 2 }));
      expect(ids(first.Shards)).toEqual([id(0), id(1)]);
      expect(typeof first.NextToken).toBe('string');
      const second = await t.client.send(new ListShardsCommand({ NextToken: first.NextToken, MaxResults: 2 }));
      expect(ids(second.Shards)).toEqual([id(2), id(3)]);
      const third = await t.client.send(new ListShardsCommand({ NextToken: second.NextToken, MaxResults: 2 }));
      expect(ids(third.Shards)).toEqual([id(4)]);
      expect(third.NextToken).toBeUndefined();
      const after = await t.client.send(new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: id(2) }));
      expect(ids(after.Shards)).toEqual([id(3), id(4)]);
    });

    it('refuses NextToken together with StreamName, and a NextToken older than 300 s', async () => {
      const name = uniqueStreamName('list-token');
      await createActiveStream(t.client, name, 3);
      const first = await t.client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }));
      const both = await errorOf(t.client.send(new ListShardsCommand({ StreamName: name, NextToken: first.NextToken })));
      expect(both.name).toBe('InvalidArgumentException');
      expect(both.message).toBe('NextToken and StreamName cannot be provided together.');
      const neither = await errorOf(t.client.send(new ListShardsCommand({})));
      expect(neither.name).toBe('InvalidArgumentException');
      expect(neither.message).toBe('Either NextToken or StreamName should be provided.');

      clock.advance(300_001);
      const expired = await errorOf(t.client.send(new ListShardsCommand({ NextToken: first.NextToken })));
      expect(expired.name).toBe('ExpiredNextTokenException');
      expect(expired.$metadata.httpStatusCode).toBe(400);
    });

    describe('ShardFilter', () => {
      // shardId-0 and shardId-1 from creation at T0; at T1 = T0 + 10 s shardId-0 splits into shardId-2 and shardId-3.
      const name = uniqueStreamName('filters');
      let t0 = 0;
      let t1 = 0;

      beforeAll(async () => {
        t0 = clock.now();
        await createActiveStream(t.client, name, 2);
        clock.advance(10_000);
        t1 = clock.now();
        await t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(0), NewStartingHashKey: (HALF / 2n).toString() }));
        await waitForStreamStatus(t.client, name, 'ACTIVE');
        clock.advance(10_000);
      });

      const filtered = async (Type: ShardFilterType, extra: { ShardId?: string; Timestamp?: Date } = {}): Promise<string[]> =>
        ids((await t.client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type, ...extra } }))).Shards);

      it('without a filter lists every retained shard, closed ones included', async () => {
        expect(ids(await listAll(t.client, name))).toEqual([id(0), id(1), id(2), id(3)]);
      });

      it('AFTER_SHARD_ID lists the shards after the given id', async () => {
        expect(await filtered('AFTER_SHARD_ID', { ShardId: id(0) })).toEqual([id(1), id(2), id(3)]);
        expect(await filtered('AFTER_SHARD_ID', { ShardId: id(2) })).toEqual([id(3)]);
      });

      it('AT_TRIM_HORIZON lists the shards open at the trim horizon; FROM_TRIM_HORIZON lists all', async () => {
        expect(await filtered('AT_TRIM_HORIZON')).toEqual([id(0), id(1)]);
        expect(await filtered('FROM_TRIM_HORIZON')).toEqual([id(0), id(1), id(2), id(3)]);
      });

      it('AT_LATEST lists the open shards', async () => {
        expect(await filtered('AT_LATEST')).toEqual([id(1), id(2), id(3)]);
      });

      it('AT_TIMESTAMP lists the shards open at the time', async () => {
        expect(await filtered('AT_TIMESTAMP', { Timestamp: new Date(t0 + 5_000) })).toEqual([id(0), id(1)]);
        expect(await filtered('AT_TIMESTAMP', { Timestamp: new Date(t1 + 5_000) })).toEqual([id(1), id(2), id(3)]);
        // Both bounds are inclusive (API_ShardFilter): at the split instant the parent and its children qualify.
        expect(await filtered('AT_TIMESTAMP', { Timestamp: new Date(t1) })).toEqual([id(0), id(1), id(2), id(3)]);
        expect(await filtered('AT_TIMESTAMP', { Timestamp: new Date(t0) })).toEqual([id(0), id(1)]);
      });

      it('FROM_TIMESTAMP lists the shards closed after the time and the open ones', async () => {
        expect(await filtered('FROM_TIMESTAMP', { Timestamp: new Date(t0 + 5_000) })).toEqual([id(0), id(1), id(2), id(3)]);
        expect(await filtered('FROM_TIMESTAMP', { Timestamp: new Date(t1 + 5_000) })).toEqual([id(1), id(2), id(3)]);
        expect(await filtered('FROM_TIMESTAMP', { Timestamp: new Date(t1) })).toEqual([id(0), id(1), id(2), id(3)]);
      });

      it('refuses filters without their ShardId or Timestamp', async () => {
        const noId = await errorOf(t.client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID' } })));
        expect(noId.name).toBe('InvalidArgumentException');
        const noTime = await errorOf(t.client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_TIMESTAMP' } })));
        expect(noTime.name).toBe('InvalidArgumentException');
      });

      it('keeps the filter across pages', async () => {
        const first = await t.client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1, ShardFilter: { Type: 'AT_LATEST' } }));
        expect(ids(first.Shards)).toEqual([id(1)]);
        const rest = await t.client.send(new ListShardsCommand({ NextToken: first.NextToken }));
        expect(ids(rest.Shards)).toEqual([id(2), id(3)]);
      });
    });
  });

  describe('SplitShard', () => {
    it('closes the parent and opens two children that partition its hash range', async () => {
      const name = uniqueStreamName('split');
      await createActiveStream(t.client, name, 2);
      const [parent] = await listAll(t.client, name);
      const [start, end] = range(parent);
      const key = start + (end - start) / 3n;
      await t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(0), NewStartingHashKey: key.toString() }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');

      const shards = await listAll(t.client, name);
      expect(ids(shards)).toEqual([id(0), id(1), id(2), id(3)]);
      const [closed, sibling, low, high] = shards;
      expect(closed.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d{56}$/);
      expect(BigInt(closed.SequenceNumberRange?.EndingSequenceNumber as string) > BigInt(closed.SequenceNumberRange?.StartingSequenceNumber as string)).toBe(true);
      expect(sibling.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
      expect(low.ParentShardId).toBe(id(0));
      expect(high.ParentShardId).toBe(id(0));
      expect(low.AdjacentParentShardId).toBeUndefined();
      expect(range(low)).toEqual([start, key - 1n]);
      expect(range(high)).toEqual([key, end]);
      for (const child of [low, high]) expect(child.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
      expect((await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount).toBe(3);

      const again = await errorOf(t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(0), NewStartingHashKey: key.toString() })));
      expect(again.name).toBe('ResourceInUseException');
    });

    it('refuses a NewStartingHashKey outside the shard (InvalidArgumentException)', async () => {
      const name = uniqueStreamName('split-bad');
      await createActiveStream(t.client, name, 2);
      const err = await errorOf(t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(0), NewStartingHashKey: HALF.toString() })));
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.message).toBe(
        `NewStartingHashKey ${HALF} used in SplitShard() on shard ${id(0)} in stream ${name} under account ${TEST_ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${HALF - 1n}.`,
      );
      const low = await errorOf(t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(0), NewStartingHashKey: '1' })));
      expect(low.name).toBe('InvalidArgumentException');
      const missing = await errorOf(t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(9), NewStartingHashKey: '1000' })));
      expect(missing.name).toBe('ResourceNotFoundException');
      expect(ids(await listAll(t.client, name))).toEqual([id(0), id(1)]);
    });
  });

  describe('MergeShards', () => {
    it('merges two adjacent shards into a child with ParentShardId and AdjacentParentShardId', async () => {
      const name = uniqueStreamName('merge');
      await createActiveStream(t.client, name, 3);
      const before = await listAll(t.client, name);
      await t.client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: id(1), AdjacentShardToMerge: id(2) }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const shards = await listAll(t.client, name);
      expect(ids(shards)).toEqual([id(0), id(1), id(2), id(3)]);
      const child = shards[3];
      expect(child.ParentShardId).toBe(id(1));
      expect(child.AdjacentParentShardId).toBe(id(2));
      expect(range(child)).toEqual([range(before[1])[0], range(before[2])[1]]);
      expect(range(child)[1]).toBe(MAX_HASH_KEY);
      for (const parent of [shards[1], shards[2]]) expect(parent.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d{56}$/);
      expect(shards[0].SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
    });

    it('refuses shards that are not adjacent (InvalidArgumentException)', async () => {
      const name = uniqueStreamName('merge-bad');
      await createActiveStream(t.client, name, 3);
      const err = await errorOf(t.client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: id(0), AdjacentShardToMerge: id(2) })));
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.message).toBe(
        `Shards ${id(0)} and ${id(2)} in stream ${name} under account ${TEST_ACCOUNT} are not an adjacent pair of shards eligible for merging`,
      );
      expect(ids(await listAll(t.client, name))).toEqual([id(0), id(1), id(2)]);
    });

    it('refuses an adjacent pair given in inverted order (AdjacentShardToMerge below ShardToMerge), as AWS does', async () => {
      const name = uniqueStreamName('merge-inverted');
      await createActiveStream(t.client, name, 3);
      const err = await errorOf(t.client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: id(1), AdjacentShardToMerge: id(0) })));
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.message).toBe(
        `Shards ${id(1)} and ${id(0)} in stream ${name} under account ${TEST_ACCOUNT} are not an adjacent pair of shards eligible for merging`,
      );
      const summary = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
      expect(ids(await listAll(t.client, name))).toEqual([id(0), id(1), id(2)]);
    });
  });

  describe('UpdateShardCount', () => {
    it('scales up and down, leaving the requested number of open shards over the whole hash space', async () => {
      const name = uniqueStreamName('scale');
      await createActiveStream(t.client, name, 2);
      const up = await t.client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
      expect(up).toMatchObject({ StreamName: name, CurrentShardCount: 2, TargetShardCount: 4 });
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const summary = async (): Promise<number | undefined> =>
        (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount;
      expect(await summary()).toBe(4);
      const openRanges = async (): Promise<Array<[bigint, bigint]>> =>
        (await t.client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }))).Shards?.map(range).sort((a, b) =>
          a[0] < b[0] ? -1 : 1,
        ) ?? [];
      const coverAll = (ranges: Array<[bigint, bigint]>): void => {
        let next = 0n;
        for (const [s, e] of ranges) {
          expect(s).toBe(next);
          next = e + 1n;
        }
        expect(next).toBe(MAX_HASH_KEY + 1n);
      };
      coverAll(await openRanges());

      const down = await t.client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
      expect(down).toMatchObject({ CurrentShardCount: 4, TargetShardCount: 3 });
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      expect(await summary()).toBe(3);
      coverAll(await openRanges());
    });

    it('refuses more than double or less than half the open shards (LimitExceededException)', async () => {
      const name = uniqueStreamName('scale-bad');
      await createActiveStream(t.client, name, 3);
      // LimitExceededException is a throttling error to the SDK: one attempt, so the answer is the first one.
      const once = t.makeClient({ maxAttempts: 1 });
      const up = await errorOf(once.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 7, ScalingType: 'UNIFORM_SCALING' })));
      expect(up.name).toBe('LimitExceededException');
      expect(up.message).toBe(
        `UpdateShardCount failed for stream ${name} under account ${TEST_ACCOUNT}: Cannot scale up over double your current open shard count. Current open shard count: 3 Target shard count: 7`,
      );
      const down = await errorOf(once.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 1, ScalingType: 'UNIFORM_SCALING' })));
      expect(down.name).toBe('LimitExceededException');
      expect(down.message).toBe(
        `UpdateShardCount failed for stream ${name} under account ${TEST_ACCOUNT}: Cannot scale down below half your current open shard count. Current open shard count: 3 Target shard count: 1`,
      );
      expect((await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount).toBe(3);
      // Exactly double is allowed.
      await once.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 6, ScalingType: 'UNIFORM_SCALING' }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      expect((await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount).toBe(6);
    });
  });

  describe('resharding lineage', () => {
    /** Reads a shard from TRIM_HORIZON to its end, checking KCL's invariant on every response. */
    async function readToEnd(name: string, shardId: string): Promise<{ data: string[]; last: GetRecordsCommandOutput; calls: number }> {
      let it = (await t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator as string | undefined;
      const data: string[] = [];
      let last: GetRecordsCommandOutput | undefined;
      let calls = 0;
      while (it && calls < 100) {
        last = await t.client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
        calls++;
        data.push(...(last.Records ?? []).map((r) => Buffer.from(r.Data ?? []).toString()));
        // KCL DataRetrievalUtil.isValidResult: end of shard ⇔ no NextShardIterator ⇔ non-empty ChildShards.
        expect(last.NextShardIterator === undefined).toBe((last.ChildShards ?? []).length > 0);
        it = last.NextShardIterator;
      }
      if (!last) throw new Error('no GetRecords call');
      return { data, last, calls };
    }

    it('reads a split parent to its end, hands over to both children, and never reuses shard ids', async () => {
      const name = uniqueStreamName('lineage');
      await createActiveStream(t.client, name, 1);
      const before = Array.from({ length: 5 }, (_, i) => `before-${i}`);
      await t.client.send(new PutRecordsCommand({ StreamName: name, Records: before.map((d, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(d) })) }));
      // An iterator taken before the split keeps reading the parent afterwards.
      const early = (await t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: id(0), ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator as string;

      await t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(0), NewStartingHashKey: HALF.toString() }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');

      const parent = await readToEnd(name, id(0));
      expect(parent.data).toEqual(before);
      expect(parent.calls).toBe(3);
      expect(parent.last.NextShardIterator).toBeUndefined();
      expect(parent.last.MillisBehindLatest).toBe(0);
      expect(parent.last.ChildShards).toEqual([
        { ShardId: id(1), ParentShards: [id(0)], HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() } },
        { ShardId: id(2), ParentShards: [id(0)], HashKeyRange: { StartingHashKey: HALF.toString(), EndingHashKey: MAX_HASH_KEY.toString() } },
      ]);
      // LATEST of a closed shard is its end: no records, no next iterator, the children.
      const latest = (await t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: id(0), ShardIteratorType: 'LATEST' })))
        .ShardIterator as string;
      const atEnd = await t.client.send(new GetRecordsCommand({ ShardIterator: latest }));
      expect(atEnd.Records).toEqual([]);
      expect(atEnd.NextShardIterator).toBeUndefined();
      expect(atEnd.ChildShards?.map((c) => c.ShardId)).toEqual([id(1), id(2)]);
      const fromEarly = await t.client.send(new GetRecordsCommand({ ShardIterator: early }));
      expect(fromEarly.Records).toHaveLength(5);
      expect(fromEarly.NextShardIterator).toBeUndefined();
      expect(fromEarly.ChildShards?.map((c) => c.ShardId)).toEqual([id(1), id(2)]);

      // Writes after the split land in the child whose range holds the key.
      const after = Array.from({ length: 12 }, (_, i) => `after-${i}`);
      const put = await t.client.send(new PutRecordsCommand({ StreamName: name, Records: after.map((d) => ({ PartitionKey: d, Data: Buffer.from(d) })) }));
      expect(put.FailedRecordCount).toBe(0);
      put.Records?.forEach((r, i) => expect(r.ShardId).toBe(md5HashKey(after[i]) < HALF ? id(1) : id(2)));
      const one = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'x', ExplicitHashKey: '0', Data: Buffer.from('low') }));
      expect(one.ShardId).toBe(id(1));
      // The parent's EndingSequenceNumber is above every record it holds.
      const parentEnd = BigInt((await listAll(t.client, name))[0].SequenceNumberRange?.EndingSequenceNumber as string);
      for (const r of fromEarly.Records ?? []) expect(BigInt(r.SequenceNumber as string) < parentEnd).toBe(true);
      // Children split off in the same second (the clock did not move) still number above their parent's records.
      const parentMax = (fromEarly.Records ?? []).reduce((m, r) => (BigInt(r.SequenceNumber as string) > m ? BigInt(r.SequenceNumber as string) : m), 0n);
      for (const r of put.Records ?? []) expect(BigInt(r.SequenceNumber as string) > parentMax).toBe(true);

      const left = await readToEnd(name, id(1));
      const right = await readToEnd(name, id(2));
      expect([...left.data, ...right.data].sort()).toEqual([...after, 'low'].sort());
      // Open children: never end, so always a NextShardIterator and no ChildShards.
      expect(left.last.NextShardIterator).toBeDefined();
      expect(left.last.ChildShards).toBeUndefined();

      // Further resharding allocates fresh indices only.
      await t.client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: id(1), AdjacentShardToMerge: id(2) }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      await t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: id(3), NewStartingHashKey: '12345' }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const all = await listAll(t.client, name);
      expect(ids(all)).toEqual([id(0), id(1), id(2), id(3), id(4), id(5)]);
      expect(all[3]).toMatchObject({ ParentShardId: id(1), AdjacentParentShardId: id(2) });
      expect(all[4].ParentShardId).toBe(id(3));
      expect(all[5].ParentShardId).toBe(id(3));
      const merged = await readToEnd(name, id(1));
      expect(merged.last.ChildShards).toEqual([
        { ShardId: id(3), ParentShards: [id(1), id(2)], HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH_KEY.toString() } },
      ]);
    });
  });
});
