/**
 * The KDS control plane of the emulator through the official SDK v3 client, over HTTP/2 (the client's default
 * handler) and HTTP/1.1 (NodeHttpHandler): stream lifecycle, paging, retention, tags, encryption, stream mode,
 * limits, enhanced monitoring, and the validation errors in AWS's wording (kds-reference.md §1.1–§1.3).
 */
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateStreamModeCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import {
  KDS_HANDLERS,
  TEST_ACCOUNT,
  createActiveStream,
  errorOf,
  jsonOf,
  kdsHeaders,
  rawRequest,
  streamArnOf,
  uniqueStreamName,
  useKdsTestEmulator,
  waitForStreamStatus,
} from '../testing/kds-test-clients';
import { MAX_HASH_KEY } from '../testing/hash-keys';

const ALL_SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
];

/** The hash ranges of `shards` cover [0, 2^128 − 1] without gaps or overlaps, in order. */
function expectContiguousRanges(shards: Shard[]): void {
  let next = 0n;
  for (const s of shards) {
    expect(BigInt(s.HashKeyRange?.StartingHashKey as string)).toBe(next);
    next = BigInt(s.HashKeyRange?.EndingHashKey as string) + 1n;
  }
  expect(next).toBe(MAX_HASH_KEY + 1n);
}

describe.each(KDS_HANDLERS)('KDS stream operations over the %s', (handler) => {
  const t = useKdsTestEmulator(handler);

  describe('CreateStream', () => {
    it('creates a PROVISIONED stream with even hash ranges, ACTIVE, 24 h retention and no encryption', async () => {
      const name = uniqueStreamName('create');
      await t.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const d = (await t.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expect(d).toMatchObject({
        StreamName: name,
        StreamARN: streamArnOf(name),
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        RetentionPeriodHours: 24,
        EncryptionType: 'NONE',
        HasMoreShards: false,
      });
      expect(d?.StreamCreationTimestamp).toBeInstanceOf(Date);
      const shards = d?.Shards ?? [];
      expect(shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
      expectContiguousRanges(shards);
      const width = (MAX_HASH_KEY + 1n) / 3n;
      expect(shards[1].HashKeyRange?.StartingHashKey).toBe(width.toString());
      for (const s of shards) {
        expect(s.ParentShardId).toBeUndefined();
        expect(s.SequenceNumberRange?.StartingSequenceNumber).toMatch(/^\d{56}$/);
        expect(s.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
      }
    });

    it('creates an ON_DEMAND stream with four shards and rejects a ShardCount for it', async () => {
      const name = uniqueStreamName('ondemand');
      await t.client.send(new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const s = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(s?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
      expect(s?.OpenShardCount).toBe(4);
      const d = (await t.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expectContiguousRanges(d?.Shards ?? []);

      const err = await errorOf(
        t.client.send(
          new CreateStreamCommand({ StreamName: uniqueStreamName('ondemand'), ShardCount: 2, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
        ),
      );
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.$metadata.httpStatusCode).toBe(400);
    });

    it('refuses a PROVISIONED stream without ShardCount', async () => {
      const err = await errorOf(t.client.send(new CreateStreamCommand({ StreamName: uniqueStreamName('noshards') })));
      expect(err.name).toBe('InvalidArgumentException');
    });

    it('answers ResourceInUseException for a name that exists', async () => {
      const name = uniqueStreamName('dup');
      await createActiveStream(t.client, name, 1);
      const err = await errorOf(t.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })));
      expect(err.name).toBe('ResourceInUseException');
      expect(err.message).toBe(`Stream ${name} under account ${TEST_ACCOUNT} already exists.`);
      expect(err.$metadata.httpStatusCode).toBe(400);
    });
  });

  describe('validation', () => {
    it('reports a bad stream name in AWS wording', async () => {
      const err = await errorOf(t.client.send(new CreateStreamCommand({ StreamName: 'bad name!', ShardCount: 1 })));
      expect(err.name).toBe('ValidationException');
      expect(err.message).toBe(
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      );
      expect(err.$metadata.httpStatusCode).toBe(400);
    });

    it('reports ShardCount 0 in AWS wording', async () => {
      const err = await errorOf(t.client.send(new CreateStreamCommand({ StreamName: uniqueStreamName('zero'), ShardCount: 0 })));
      expect(err.name).toBe('ValidationException');
      expect(err.message).toBe(
        "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    });

    it('lists every violation of a request', async () => {
      const err = await errorOf(t.client.send(new CreateStreamCommand({ StreamName: 'x'.repeat(129), ShardCount: 0 })));
      // AWS checks ShardCount before StreamName.
      expect(err.message).toBe(
        "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
          `Value '${'x'.repeat(129)}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
    });

    it('answers SerializationException for a value of the wrong type (sent raw: the SDK will not)', async () => {
      const res = await rawRequest(t.emu.url, t.protocol, {
        headers: kdsHeaders('CreateStream'),
        body: JSON.stringify({ StreamName: uniqueStreamName('types'), ShardCount: 'one' }),
      });
      expect(res.status).toBe(400);
      expect(res.headers['x-amzn-errortype']).toBe('SerializationException');
      // AWS's text, without a member path, under `Message` (capital M) as AWS writes this exception.
      expect(jsonOf(res)).toEqual({
        __type: 'SerializationException',
        Message: 'class java.lang.String can not be converted to an Integer',
      });
    });
  });

  describe('DescribeStream', () => {
    it('pages shards with Limit, ExclusiveStartShardId and HasMoreShards', async () => {
      const name = uniqueStreamName('paging');
      await createActiveStream(t.client, name, 5);
      const seen: string[] = [];
      const pages: boolean[] = [];
      let start: string | undefined;
      for (;;) {
        const d = (await t.client.send(new DescribeStreamCommand({ StreamName: name, Limit: 2, ExclusiveStartShardId: start })))
          .StreamDescription;
        const ids = (d?.Shards ?? []).map((s) => s.ShardId as string);
        expect(ids.length).toBeLessThanOrEqual(2);
        seen.push(...ids);
        pages.push(d?.HasMoreShards as boolean);
        if (!d?.HasMoreShards) break;
        start = ids[ids.length - 1];
      }
      expect(pages).toEqual([true, true, false]);
      expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `shardId-00000000000${i}`));
    });

    it('returns at most 100 shards per call', async () => {
      const name = uniqueStreamName('many-shards');
      await createActiveStream(t.client, name, 150);
      const d = (await t.client.send(new DescribeStreamCommand({ StreamName: name, Limit: 10000 }))).StreamDescription;
      expect(d?.Shards).toHaveLength(100);
      expect(d?.HasMoreShards).toBe(true);
      const rest = (await t.client.send(new DescribeStreamCommand({ StreamName: name, ExclusiveStartShardId: 'shardId-000000000099' }))).StreamDescription;
      expect(rest?.Shards?.map((s) => s.ShardId)).toEqual(Array.from({ length: 50 }, (_, i) => `shardId-${String(100 + i).padStart(12, '0')}`));
      expect(rest?.HasMoreShards).toBe(false);
      await t.client.send(new DeleteStreamCommand({ StreamName: name }));
    });

    it('answers ResourceNotFoundException for an unknown stream', async () => {
      const name = uniqueStreamName('missing');
      const err = await errorOf(t.client.send(new DescribeStreamCommand({ StreamName: name })));
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toBe(`Stream ${name} under account ${TEST_ACCOUNT} not found.`);
    });
  });

  describe('DescribeStreamSummary', () => {
    it('reports OpenShardCount and ConsumerCount', async () => {
      const name = uniqueStreamName('summary');
      await createActiveStream(t.client, name, 2);
      const before = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(before).toMatchObject({
        StreamName: name,
        StreamARN: streamArnOf(name),
        StreamStatus: 'ACTIVE',
        OpenShardCount: 2,
        ConsumerCount: 0,
        RetentionPeriodHours: 24,
        EncryptionType: 'NONE',
      });
      await t.client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArnOf(name), ConsumerName: 'c1' }));
      const after = (await t.client.send(new DescribeStreamSummaryCommand({ StreamARN: streamArnOf(name) }))).StreamDescriptionSummary;
      expect(after?.ConsumerCount).toBe(1);
    });
  });

  describe('ListStreams', () => {
    // A fresh emulator, so the listing holds exactly the streams of this test.
    const own = useKdsTestEmulator(handler);

    it('pages with Limit, NextToken, ExclusiveStartStreamName and HasMoreStreams, with StreamSummaries', async () => {
      const names = ['ls-a', 'ls-b', 'ls-c', 'ls-d', 'ls-e'];
      for (const n of [...names].reverse()) await own.client.send(new CreateStreamCommand({ StreamName: n, ShardCount: 1 }));

      const first = await own.client.send(new ListStreamsCommand({ Limit: 2 }));
      expect(first.StreamNames).toEqual(['ls-a', 'ls-b']);
      expect(first.HasMoreStreams).toBe(true);
      expect(typeof first.NextToken).toBe('string');
      expect(first.StreamSummaries).toEqual([
        expect.objectContaining({ StreamName: 'ls-a', StreamARN: streamArnOf('ls-a'), StreamStatus: 'ACTIVE', StreamModeDetails: { StreamMode: 'PROVISIONED' } }),
        expect.objectContaining({ StreamName: 'ls-b', StreamARN: streamArnOf('ls-b'), StreamStatus: 'ACTIVE' }),
      ]);
      expect(first.StreamSummaries?.[0].StreamCreationTimestamp).toBeInstanceOf(Date);

      const second = await own.client.send(new ListStreamsCommand({ Limit: 2, NextToken: first.NextToken }));
      expect(second.StreamNames).toEqual(['ls-c', 'ls-d']);
      expect(second.HasMoreStreams).toBe(true);
      const third = await own.client.send(new ListStreamsCommand({ Limit: 2, NextToken: second.NextToken }));
      expect(third.StreamNames).toEqual(['ls-e']);
      expect(third.HasMoreStreams).toBe(false);
      expect(third.NextToken).toBeUndefined();

      const after = await own.client.send(new ListStreamsCommand({ ExclusiveStartStreamName: 'ls-c' }));
      expect(after.StreamNames).toEqual(['ls-d', 'ls-e']);
      expect(after.HasMoreStreams).toBe(false);
      const all = await own.client.send(new ListStreamsCommand({}));
      expect(all.StreamNames).toEqual(names);
      expect(all.StreamSummaries?.map((s) => s.StreamName)).toEqual(names);
    });
  });

  describe('DeleteStream', () => {
    it('deletes a stream; afterwards it is not found', async () => {
      const name = uniqueStreamName('delete');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new DeleteStreamCommand({ StreamName: name }));
      const err = await errorOf(t.client.send(new DescribeStreamSummaryCommand({ StreamName: name })));
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toBe(`Stream ${name} under account ${TEST_ACCOUNT} not found.`);
      const again = await errorOf(t.client.send(new DeleteStreamCommand({ StreamName: name })));
      expect(again.name).toBe('ResourceNotFoundException');
    });

    it('refuses a stream with consumers unless EnforceConsumerDeletion', async () => {
      const name = uniqueStreamName('delete-consumers');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArnOf(name), ConsumerName: 'reader' }));
      const err = await errorOf(t.client.send(new DeleteStreamCommand({ StreamName: name })));
      expect(err.name).toBe('ResourceInUseException');
      await t.client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
      const gone = await errorOf(t.client.send(new DescribeStreamSummaryCommand({ StreamName: name })));
      expect(gone.name).toBe('ResourceNotFoundException');
    });
  });

  describe('status transitions', () => {
    const slow = useKdsTestEmulator(handler, { delays: { create: 300, delete: 300 } });

    it('goes CREATING → ACTIVE, refusing writes until ACTIVE, and DELETING → gone', async () => {
      const name = uniqueStreamName('status');
      await slow.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      const creating = (await slow.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(creating?.StreamStatus).toBe('CREATING');
      const early = await errorOf(slow.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') })));
      expect(early.name).toBe('ResourceNotFoundException');
      await waitForStreamStatus(slow.client, name, 'ACTIVE');
      await slow.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }));

      await slow.client.send(new DeleteStreamCommand({ StreamName: name }));
      const deleting = (await slow.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(deleting?.StreamStatus).toBe('DELETING');
      let status: string | undefined = 'DELETING';
      for (let i = 0; i < 500 && status === 'DELETING'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const res = await slow.client.send(new DescribeStreamSummaryCommand({ StreamName: name })).catch((e: Error) => e);
        status = res instanceof Error ? res.name : res.StreamDescriptionSummary?.StreamStatus;
      }
      expect(status).toBe('ResourceNotFoundException');
    });
  });

  describe('a CREATING stream', () => {
    // Long enough that every check below runs while the stream is still CREATING, even on a loaded machine.
    const slow = useKdsTestEmulator(handler, { delays: { create: 2000 } });

    it('has no shards until it is ACTIVE: DescribeStream lists none, ListShards and GetShardIterator refuse', async () => {
      const name = uniqueStreamName('creating');
      await slow.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      const described = (await slow.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expect(described).toMatchObject({ StreamStatus: 'CREATING', Shards: [], HasMoreShards: false });
      const summary = (await slow.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(summary).toMatchObject({ StreamStatus: 'CREATING', OpenShardCount: 0 });
      const listed = await errorOf(slow.client.send(new ListShardsCommand({ StreamName: name })));
      expect([listed.name, listed.message]).toEqual([
        'ResourceInUseException',
        `Stream ${name} under account ${TEST_ACCOUNT} not ACTIVE or UPDATING, instead in state CREATING`,
      ]);
      const iterator = await errorOf(
        slow.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' })),
      );
      expect([iterator.name, iterator.message]).toEqual([
        'ResourceNotFoundException',
        `Shard shardId-000000000000 in stream ${name} under account ${TEST_ACCOUNT} does not exist`,
      ]);
      // Still CREATING: the answers above were not a stream that had already become ACTIVE.
      expect((await slow.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus).toBe('CREATING');

      await waitForStreamStatus(slow.client, name, 'ACTIVE');
      const active = (await slow.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expect(active?.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
      expect((await slow.client.send(new ListShardsCommand({ StreamName: name }))).Shards).toHaveLength(2);
      expect((await slow.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount).toBe(2);
    });
  });

  describe('retention', () => {
    it('increases and decreases the retention period', async () => {
      const name = uniqueStreamName('retention');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 168 }));
      let d = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(d?.RetentionPeriodHours).toBe(168);
      await t.client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
      d = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(d?.RetentionPeriodHours).toBe(48);
    });

    it('answers InvalidArgumentException for a retention change in the wrong direction or below 24 h', async () => {
      const name = uniqueStreamName('retention-bad');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));

      const shorter = await errorOf(t.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 36 })));
      expect(shorter.name).toBe('InvalidArgumentException');
      expect(shorter.message).toBe(
        `Requested retention period (36 hours) for stream ${name} under account ${TEST_ACCOUNT} can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.`,
      );
      const longer = await errorOf(t.client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 72 })));
      expect(longer.name).toBe('InvalidArgumentException');
      expect(longer.message).toBe(
        `Requested retention period (72 hours) for stream ${name} under account ${TEST_ACCOUNT} can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.`,
      );
      const tooShort = await errorOf(t.client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 12 })));
      expect(tooShort.name).toBe('InvalidArgumentException');
      expect(tooShort.message).toBe('Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.');
      const tooLong = await errorOf(t.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 8761 })));
      expect(tooLong.name).toBe('ValidationException');
      expect(tooLong.message).toBe(
        "1 validation error detected: Value '8761' at 'retentionPeriodHours' failed to satisfy constraint: Member must have value less than or equal to 8760",
      );
    });
  });

  describe('tags', () => {
    it('adds, lists (paged), and removes stream tags', async () => {
      const name = uniqueStreamName('tags');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { team: 'data', env: 'test', cost: '42' } }));
      const all = await t.client.send(new ListTagsForStreamCommand({ StreamName: name }));
      expect(all.Tags).toEqual([
        { Key: 'cost', Value: '42' },
        { Key: 'env', Value: 'test' },
        { Key: 'team', Value: 'data' },
      ]);
      expect(all.HasMoreTags).toBe(false);
      const page = await t.client.send(new ListTagsForStreamCommand({ StreamName: name, Limit: 1, ExclusiveStartTagKey: 'cost' }));
      expect(page.Tags).toEqual([{ Key: 'env', Value: 'test' }]);
      expect(page.HasMoreTags).toBe(true);

      await t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { env: 'prod' } }));
      await t.client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['cost', 'absent'] }));
      const left = await t.client.send(new ListTagsForStreamCommand({ StreamName: name }));
      expect(left.Tags).toEqual([
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: 'data' },
      ]);
    });

    it('tags by resource ARN with TagResource, UntagResource and ListTagsForResource', async () => {
      const name = uniqueStreamName('tag-arn');
      await createActiveStream(t.client, name, 1);
      const arn = streamArnOf(name);
      await t.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: { a: '1', b: '2' } }));
      expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ]);
      await t.client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
      expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
      // Both APIs see the same tags.
      expect((await t.client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
    });

    it('holds at most 50 tags per stream', async () => {
      const name = uniqueStreamName('tag-limit');
      await createActiveStream(t.client, name, 1);
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${String(i).padStart(2, '0')}`, `v${i}`]));
      await t.client.send(new TagResourceCommand({ ResourceARN: streamArnOf(name), Tags: fifty }));
      expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: streamArnOf(name) }))).Tags).toHaveLength(50);
      // Replacing the value of an existing key does not add a tag.
      await t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { k00: 'again' } }));
      const err = await errorOf(t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { one: 'too many' } })));
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.message).toBe(
        `Failed to add tags to stream ${name} under account ${TEST_ACCOUNT} because a given request would cause the stream to exceed the maximum number of tags (50).`,
      );
      expect((await t.client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags).toHaveLength(50);
    });
  });

  describe('encryption', () => {
    it('records the encryption type and returns KMS-encrypted records', async () => {
      const name = uniqueStreamName('kms');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const d = (await t.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expect(d?.EncryptionType).toBe('KMS');
      expect(d?.KeyId).toBe('alias/aws/kinesis');

      const put = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('secret') }));
      expect(put.EncryptionType).toBe('KMS');
      const it = await t.client.send(
        new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const got = await t.client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      expect(got.Records?.map((r) => r.EncryptionType)).toEqual(['KMS']);
      expect(Buffer.from(got.Records?.[0].Data ?? []).toString()).toBe('secret');

      await t.client.send(new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const stopped = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(stopped?.EncryptionType).toBe('NONE');
      expect(stopped?.KeyId).toBeUndefined();
      const plain = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('plain') }));
      expect(plain.EncryptionType).toBeUndefined();
    });
  });

  describe('UpdateStreamMode', () => {
    it('switches PROVISIONED → ON_DEMAND and refuses a switch to the current mode', async () => {
      const name = uniqueStreamName('mode');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new UpdateStreamModeCommand({ StreamARN: streamArnOf(name), StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const s = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(s?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
      const err = await errorOf(
        t.client.send(new UpdateStreamModeCommand({ StreamARN: streamArnOf(name), StreamModeDetails: { StreamMode: 'ON_DEMAND' } })),
      );
      expect(err.name).toBe('InvalidArgumentException');
    });
  });

  describe('DescribeLimits', () => {
    it('reports the shard limit and counts open shards and on-demand streams', async () => {
      const before = await t.client.send(new DescribeLimitsCommand({}));
      expect(before.ShardLimit).toBe(500);
      expect(before.OnDemandStreamCountLimit).toBe(50);
      await createActiveStream(t.client, uniqueStreamName('limits'), 3);
      await t.client.send(new CreateStreamCommand({ StreamName: uniqueStreamName('limits-od'), StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
      const after = await t.client.send(new DescribeLimitsCommand({}));
      expect(after.OpenShardCount).toBe((before.OpenShardCount as number) + 3 + 4);
      expect(after.OnDemandStreamCount).toBe((before.OnDemandStreamCount as number) + 1);
    });
  });

  describe('enhanced monitoring', () => {
    it('enables and disables shard-level metrics, reporting current and desired sets', async () => {
      const name = uniqueStreamName('monitoring');
      await createActiveStream(t.client, name, 1);
      const one = await t.client.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['IncomingBytes'] }));
      expect(one).toMatchObject({ StreamName: name, StreamARN: streamArnOf(name), CurrentShardLevelMetrics: [], DesiredShardLevelMetrics: ['IncomingBytes'] });
      const all = await t.client.send(new EnableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['ALL'] }));
      expect(all.CurrentShardLevelMetrics).toEqual(['IncomingBytes']);
      expect([...(all.DesiredShardLevelMetrics ?? [])].sort()).toEqual([...ALL_SHARD_LEVEL_METRICS].sort());
      const less = await t.client.send(
        new DisableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'] }),
      );
      expect(less.DesiredShardLevelMetrics).toHaveLength(5);
      expect(less.DesiredShardLevelMetrics).not.toContain('IncomingBytes');
      const d = (await t.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription;
      expect([...(d?.EnhancedMonitoring?.[0].ShardLevelMetrics ?? [])].sort()).toEqual([...(less.DesiredShardLevelMetrics ?? [])].sort());
      const none = await t.client.send(new DisableEnhancedMonitoringCommand({ StreamName: name, ShardLevelMetrics: ['ALL'] }));
      expect(none.DesiredShardLevelMetrics).toEqual([]);
    });
  });
});
