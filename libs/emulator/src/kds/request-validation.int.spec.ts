/**
 * Request reading and validation over the wire (issue 13 items 3–5): raw JSON 1.1 requests for what the SDK
 * would not send (SerializationException bodies with `Message`, AWS's texts, no member path), and the official
 * SDK v3 client for ValidationException details, tag characters and SequenceNumberForOrdering.
 */
import {
  AddTagsToStreamCommand,
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  RemoveTagsFromStreamCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kinesis';
import {
  HTTP1_NODE,
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

const INVALID_TAGS = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const PERCENT_TAIL = "because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

describe('KDS request reading and validation over the wire', () => {
  const t = useKdsTestEmulator(HTTP1_NODE);
  const send = (operation: string, body: unknown) =>
    rawRequest(t.emu.url, t.protocol, { headers: kdsHeaders(operation), body: JSON.stringify(body) });

  describe('SerializationException', () => {
    it.each([
      ['CreateStream', { StreamName: true, ShardCount: 1 }, 'class java.lang.Boolean can not be converted to an String'],
      ['CreateStream', { StreamName: 's', ShardCount: '1' }, 'class java.lang.String can not be converted to an Integer'],
      ['PutRecord', { StreamName: 's', PartitionKey: 'k', Data: 23 }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob'],
      ['PutRecord', { StreamName: 's', PartitionKey: 'k', Data: '+/+=' }, "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
      ['PutRecords', { StreamName: 's', Records: 'x' }, 'Expected list or null'],
      ['PutRecords', { StreamName: 's', Records: [5] }, 'Expected null'],
      ['AddTagsToStream', { StreamName: 's', Tags: [] }, 'Start of list found where not expected'],
      ['AddTagsToStream', { StreamName: 's', Tags: 1 }, 'Expected map or null'],
      ['DescribeStream', { StreamName: {} }, 'Start of structure or map found where not expected.'],
      [
        'GetShardIterator',
        { StreamName: 's', ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: '1700000000' },
        'class java.lang.String can not be converted to milliseconds since epoch',
      ],
    ])('%s %j → %s', async (operation, body, message) => {
      const res = await send(operation, body);
      expect(res.status).toBe(400);
      expect(res.headers['x-amzn-errortype']).toBe('SerializationException');
      expect(jsonOf(res)).toEqual({ __type: 'SerializationException', Message: message });
    });
  });

  describe('ValidationException', () => {
    it('lists at most ten violations, with `message`, the 501 entries printed as Java prints them', async () => {
      const res = await send('PutRecords', { StreamName: '', Records: Array.from({ length: 501 }, () => ({ PartitionKey: '', Data: '' })) });
      expect(res.status).toBe(400);
      const body = jsonOf<{ __type: string; message: string }>(res);
      expect(Object.keys(body).sort()).toEqual(['__type', 'message']);
      expect(body.__type).toBe('ValidationException');
      const entries = Array.from({ length: 501 }, () => 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310').join(', ');
      expect(body.message.startsWith(`10 validation errors detected: Value '[${entries}]' at 'records' failed to satisfy constraint: `)).toBe(true);
      expect(body.message.split('; ')).toHaveLength(10);
      expect(body.message).not.toContain("at 'streamName'");
    });

    it('reports a tag key out of bounds at the map', async () => {
      const long = 'k'.repeat(129);
      const err = await errorOf(t.client.send(new AddTagsToStreamCommand({ StreamName: uniqueStreamName('tags'), Tags: { a: '1', [long]: '2' } })));
      expect([err.name, err.message]).toEqual([
        'ValidationException',
        `1 validation error detected: Value '{a=1, ${long}=2}' at 'tags' failed to satisfy constraint: ` +
          'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
      ]);
    });

    it('truncates an Integer sent as a fraction, as AWS reads it: ShardCount 2.9 makes 2 shards', async () => {
      const name = uniqueStreamName('fraction');
      const res = await send('CreateStream', { StreamName: name, ShardCount: 2.9 });
      expect(res.status).toBe(200);
      await waitForStreamStatus(t.client, name, 'ACTIVE');
      const summary = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
      expect(summary?.OpenShardCount).toBe(2);
    });
  });

  describe('tag characters', () => {
    const name = uniqueStreamName('tagchars');
    beforeAll(async () => {
      await createActiveStream(t.client, name, 1);
    });

    it.each([['abc;def'], ['abc\tdef'], ['abc\ndef'], ['abc,def']])('refuses %j in a key or a value (AddTagsToStream, TagResource) and in a key to remove (RemoveTagsFromStream, UntagResource)', async (text) => {
      for (const tags of [{ [text]: '1' }, { a: text }]) {
        const added = await errorOf(t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: tags })));
        expect([added.name, added.message]).toEqual(['InvalidArgumentException', INVALID_TAGS]);
        const tagged = await errorOf(t.client.send(new TagResourceCommand({ ResourceARN: streamArnOf(name), Tags: tags })));
        expect([tagged.name, tagged.message]).toEqual(['InvalidArgumentException', INVALID_TAGS]);
      }
      const removed = await errorOf(t.client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: [text] })));
      expect([removed.name, removed.message]).toEqual(['InvalidArgumentException', INVALID_TAGS]);
      const untagged = await errorOf(t.client.send(new UntagResourceCommand({ ResourceARN: streamArnOf(name), TagKeys: [text] })));
      expect([untagged.name, untagged.message]).toEqual(['InvalidArgumentException', INVALID_TAGS]);
    });

    it("refuses '%' with the text naming the stream", async () => {
      const added = await errorOf(t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { a: '10%' } })));
      expect([added.name, added.message]).toEqual(['InvalidArgumentException', `Failed to add tags to stream ${name} under account ${TEST_ACCOUNT} ${PERCENT_TAIL}`]);
      const removed = await errorOf(t.client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['10%'] })));
      expect([removed.name, removed.message]).toEqual(['InvalidArgumentException', `Failed to remove tags from stream ${name} under account ${TEST_ACCOUNT} ${PERCENT_TAIL}`]);
    });

    it('keeps the tags of a refused request out, and takes the characters AWS allows', async () => {
      await t.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { 'ü0 _.': 'a', '/=+-@': 'ü0 _./=+-@', c: '' } }));
      const tags = (await t.client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags;
      expect(tags).toEqual([
        { Key: '/=+-@', Value: 'ü0 _./=+-@' },
        { Key: 'c', Value: '' },
        { Key: 'ü0 _.', Value: 'a' },
      ]);
    });
  });

  describe('SequenceNumberForOrdering', () => {
    const name = uniqueStreamName('ordering');
    beforeAll(async () => {
      await createActiveStream(t.client, name, 1);
    });

    it('takes a sequence number the stream issued', async () => {
      const first = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('1') }));
      const second = await t.client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('2'), SequenceNumberForOrdering: first.SequenceNumber }),
      );
      expect(BigInt(second.SequenceNumber as string) > BigInt(first.SequenceNumber as string)).toBe(true);
    });

    it('refuses one the service could not have issued (version 4), naming the stream and the account', async () => {
      const seq = BigInt('0x20000000000000000000000000000000000000000000004').toString();
      const err = await errorOf(t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x'), SequenceNumberForOrdering: seq })));
      expect([err.name, err.message]).toEqual([
        'InvalidArgumentException',
        `ExclusiveMinimumSequenceNumber ${seq} used in PutRecord on stream ${name} under account ${TEST_ACCOUNT} is invalid.`,
      ]);
    });
  });
});
