/**
 * Per-shard throughput quotas (kds-reference.md §7: 1,000 records/s and 1 MiB/s written, 5 GetRecords and 5
 * GetShardIterator calls/s, each with a burst of 10) through the official SDK v3 client, over HTTP/2 and
 * HTTP/1.1, with an injected clock so a "second" is whatever the test says. The clients make one attempt: the SDK would otherwise retry throttling errors, and
 * the test could not see the first answer. With `limits: false` (benchmarks) none of it applies.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '@tributary/runtime/testing';
import { KDS_HANDLERS, TEST_ACCOUNT, createActiveStream, errorOf, uniqueStreamName, useKdsTestEmulator } from '../testing/kds-test-clients';

const KiB = 1024;
const SHARD = 'shardId-000000000000';

const putBatch = (client: KinesisClient, name: string, count: number, bytes = 10): Promise<PutRecordsCommandOutput> =>
  client.send(
    new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: count }, (_, i) => ({ PartitionKey: `k${i % 7}`, Data: Buffer.alloc(bytes, i) })) }),
  );

async function trimHorizon(client: KinesisClient, name: string): Promise<string> {
  return (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: SHARD, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator as string;
}

describe.each(KDS_HANDLERS)('KDS throughput limits over the %s', (handler) => {
  describe('with limits on (the default)', () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const t = useKdsTestEmulator(handler, { clock }, { maxAttempts: 1 });
    const throttled = (name: string): string => `Rate exceeded for shard ${SHARD} in stream ${name} under account ${TEST_ACCOUNT}.`;

    it('admits 1,000 records per shard per second and fails the rest per record', async () => {
      const name = uniqueStreamName('records');
      await createActiveStream(t.client, name, 1);
      const calls = [await putBatch(t.client, name, 500), await putBatch(t.client, name, 500), await putBatch(t.client, name, 100)];
      expect(calls.map((c) => c.FailedRecordCount)).toEqual([0, 0, 100]);
      const entries = calls.flatMap((c) => c.Records ?? []);
      expect(entries).toHaveLength(1100);
      expect(entries.filter((e) => e.SequenceNumber !== undefined)).toHaveLength(1000);
      for (const e of entries.slice(1000)) {
        expect(e).toEqual({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: throttled(name) });
      }

      clock.advance(1000);
      const next = await putBatch(t.client, name, 500);
      expect(next.FailedRecordCount).toBe(0);
    });

    it('answers ProvisionedThroughputExceededException to a PutRecord over the limit', async () => {
      const name = uniqueStreamName('put-one');
      await createActiveStream(t.client, name, 1);
      expect((await putBatch(t.client, name, 500)).FailedRecordCount).toBe(0);
      expect((await putBatch(t.client, name, 500)).FailedRecordCount).toBe(0);
      const err = await errorOf(t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') })));
      expect(err.name).toBe('ProvisionedThroughputExceededException');
      expect(err.message).toBe(throttled(name));
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.$metadata.attempts).toBe(1);

      clock.advance(1000);
      const ok = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }));
      expect(ok.ShardId).toBe(SHARD);
    });

    it('admits 1 MiB per shard per second, partition keys included', async () => {
      const name = uniqueStreamName('bytes');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(600 * KiB) }));
      const err = await errorOf(t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(600 * KiB) })));
      expect(err.name).toBe('ProvisionedThroughputExceededException');
      // What is left of the second still takes a smaller record.
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(400 * KiB) }));

      clock.advance(1000);
      const batch = await putBatch(t.client, name, 2, 600 * KiB);
      expect(batch.FailedRecordCount).toBe(1);
      expect(batch.Records?.[0].SequenceNumber).toBeDefined();
      expect(batch.Records?.[1]).toEqual({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: throttled(name) });

      // Partition keys count: 1 MiB − 10 bytes used, then 5 + 5 bytes fit exactly and 5 + 6 do not.
      const put = (data: number, key: number): Promise<unknown> =>
        t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'p'.repeat(key), Data: Buffer.alloc(data) }));
      clock.advance(1000);
      await put(1024 * KiB - 20, 10);
      expect((await errorOf(put(5, 6))).name).toBe('ProvisionedThroughputExceededException');
      await put(5, 5);
      expect((await errorOf(put(1, 1))).name).toBe('ProvisionedThroughputExceededException');
    });

    it('admits a burst of 10 GetRecords calls per shard, then 5 per second', async () => {
      const name = uniqueStreamName('reads');
      await createActiveStream(t.client, name, 1);
      await putBatch(t.client, name, 3);
      let it = await trimHorizon(t.client, name);
      for (let i = 0; i < 10; i++) it = (await t.client.send(new GetRecordsCommand({ ShardIterator: it }))).NextShardIterator as string;
      const err = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: it })));
      expect(err.name).toBe('ProvisionedThroughputExceededException');
      expect(err.message).toBe(`Rate exceeded for Shard - ${TEST_ACCOUNT}:${name}:${SHARD}`);
      expect(err.$metadata.httpStatusCode).toBe(400);

      // A second refills 5 calls, not the whole burst.
      clock.advance(1000);
      for (let i = 0; i < 5; i++) it = (await t.client.send(new GetRecordsCommand({ ShardIterator: it }))).NextShardIterator as string;
      expect((await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: it })))).name).toBe('ProvisionedThroughputExceededException');
      clock.advance(200);
      const res = await t.client.send(new GetRecordsCommand({ ShardIterator: it }));
      expect(res.Records).toEqual([]);
    });

    it('admits a burst of 10 GetShardIterator calls per shard, then 5 per second', async () => {
      const name = uniqueStreamName('iterators');
      await createActiveStream(t.client, name, 1);
      for (let i = 0; i < 10; i++) await trimHorizon(t.client, name);
      const err = await errorOf(trimHorizon(t.client, name));
      expect(err.name).toBe('ProvisionedThroughputExceededException');
      expect(err.message).toBe(throttled(name));
      clock.advance(1000);
      for (let i = 0; i < 5; i++) await trimHorizon(t.client, name);
      expect((await errorOf(trimHorizon(t.client, name))).name).toBe('ProvisionedThroughputExceededException');
      clock.advance(200);
      expect(typeof (await trimHorizon(t.client, name))).toBe('string');
    });

    it('does not count requests refused for bad input against the call rates', async () => {
      const name = uniqueStreamName('refused');
      await createActiveStream(t.client, name, 1);
      const refusals = [
        // Shape: an iterator type AWS does not know.
        { StreamName: name, ShardId: SHARD, ShardIteratorType: 'SOMEWHERE' },
        // Arguments: a sequence number with LATEST; one of another shard.
        { StreamName: name, ShardId: SHARD, ShardIteratorType: 'LATEST', StartingSequenceNumber: '5' },
        { StreamName: name, ShardId: SHARD, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '5' },
      ];
      for (let i = 0; i < 12; i++) {
        const input = refusals[i % refusals.length] as ConstructorParameters<typeof GetShardIteratorCommand>[0];
        const err = await errorOf(t.client.send(new GetShardIteratorCommand(input)));
        expect(['ValidationException', 'InvalidArgumentException']).toContain(err.name);
      }
      for (let i = 0; i < 12; i++) {
        const err = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: 'AAAAAAAAAAE' + 'x'.repeat(100) })));
        expect(err.name).toBe('InvalidArgumentException');
      }
      // The whole burst is still there for both.
      let it = await trimHorizon(t.client, name);
      for (let i = 0; i < 9; i++) await trimHorizon(t.client, name);
      for (let i = 0; i < 10; i++) it = (await t.client.send(new GetRecordsCommand({ ShardIterator: it }))).NextShardIterator as string;
      expect((await errorOf(trimHorizon(t.client, name))).name).toBe('ProvisionedThroughputExceededException');
    });

    it('serves a read over 2 MiB whole, then throttles the shard until the debt is repaid', async () => {
      const name = uniqueStreamName('read-bytes');
      await createActiveStream(t.client, name, 1);
      for (let i = 0; i < 3; i++) {
        await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(1000 * KiB) }));
        clock.advance(1000);
      }
      const first = await t.client.send(new GetRecordsCommand({ ShardIterator: await trimHorizon(t.client, name) }));
      expect(first.Records).toHaveLength(3);
      // 3,000 KiB read against 2 MiB/s: about 1 MiB in debt, repaid half a second later... almost.
      clock.advance(450);
      const err = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator })));
      expect(err.name).toBe('ProvisionedThroughputExceededException');
      clock.advance(100);
      const next = await t.client.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
      expect(next.Records).toEqual([]);
    });
  });

  describe('with limits: false', () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const t = useKdsTestEmulator(handler, { clock, limits: false }, { maxAttempts: 1 });

    it('never throttles writes or reads', async () => {
      const name = uniqueStreamName('unlimited');
      await createActiveStream(t.client, name, 1);
      const calls = [await putBatch(t.client, name, 500), await putBatch(t.client, name, 500), await putBatch(t.client, name, 100)];
      expect(calls.map((c) => c.FailedRecordCount)).toEqual([0, 0, 0]);
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(600 * KiB) }));
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(600 * KiB) }));
      expect((await putBatch(t.client, name, 2, 600 * KiB)).FailedRecordCount).toBe(0);

      let it = await trimHorizon(t.client, name);
      let total = 0;
      for (let i = 0; i < 10; i++) {
        const res = await t.client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 200 }));
        total += res.Records?.length ?? 0;
        it = res.NextShardIterator as string;
      }
      expect(total).toBe(1104);
      for (let i = 0; i < 10; i++) await trimHorizon(t.client, name);
    });
  });
});
