/**
 * `tail`'s GetRecords fast path (get-records-protocol.ts) against the SDK's own deserializer, over the emulator:
 * the same GetRecords calls through the reader client and through a plain KinesisClient must give identical
 * outputs — JSON, text and binary data of every base64 padding, non-ASCII partition keys, a 200 KB record,
 * EncryptionType of a KMS stream, the ChildShards answer at a shard's end (left to the SDK), and the same error for
 * a bad iterator. The emulator's clock stands still, so iterators and MillisBehindLatest repeat exactly.
 */
import { randomBytes } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  StartStreamEncryptionCommand,
  type GetRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { createActiveStream, startKdsTestEmulator, uniqueStreamName, waitForStreamStatus, HTTP1_NODE, type KdsTestEmulator } from '@tributary/emulator/testing';
import { createReaderClients, type ReaderClients } from './kinesis-readers';
import type { GetRecordsFastProtocol } from './get-records-protocol';

let kds: KdsTestEmulator;
let readers: ReaderClients;
let sdk: KinesisClient;
const clock = { at: Date.UTC(2026, 11, 7, 6, 0, 0, 123), now(): number { return this.at; } };
const savedEnv = { ...process.env };

beforeAll(async () => {
  kds = await startKdsTestEmulator({ clock });
  // The reader clients take their credentials from the SDK's chain, as the CLI does.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  readers = createReaderClients({ endpoint: kds.emu.url, region: 'us-east-1' });
  sdk = kds.clients[HTTP1_NODE];
});

afterAll(async () => {
  readers.destroy();
  await kds.close();
  process.env = savedEnv;
});

const stats = (): GetRecordsFastProtocol['stats'] => (readers.polling.config.protocol as unknown as GetRecordsFastProtocol).stats;

function comparable(out: GetRecordsCommandOutput): Omit<GetRecordsCommandOutput, '$metadata'> {
  const { $metadata, ...rest } = out;
  expect($metadata.httpStatusCode).toBe(200);
  expect($metadata.requestId).toEqual(expect.any(String));
  return rest;
}

/** Reads a shard from TRIM_HORIZON with both clients, `limit` records a call, comparing every answer; the records. */
async function readBoth(stream: string, shardId: string, limit: number): Promise<GetRecordsCommandOutput[]> {
  const start = await sdk.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
  let iterator = start.ShardIterator;
  const answers: GetRecordsCommandOutput[] = [];
  for (let calls = 0; iterator && calls < 50; calls++) {
    const ours = await readers.polling.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const theirs = await sdk.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    expect(comparable(ours)).toEqual(comparable(theirs));
    for (const r of ours.Records ?? []) expect(r.Data?.constructor).toBe(Uint8Array);
    answers.push(ours);
    if ((ours.Records ?? []).length === 0 && ours.MillisBehindLatest === 0) break;
    iterator = ours.NextShardIterator;
  }
  return answers;
}

const entries = (): Array<{ PartitionKey: string; Data: Uint8Array }> => [
  { PartitionKey: 'sensor-1', Data: Buffer.from('{"temp":31,"ok":true}') },
  { PartitionKey: 'ключ-ö-🙂', Data: Buffer.from('plain text, not JSON') },
  ...[1, 2, 3, 4, 5].map((n) => ({ PartitionKey: `bin-${n}`, Data: randomBytes(n) })),
  { PartitionKey: 'big', Data: randomBytes(200_000) },
  { PartitionKey: 'quote"and\\slash', Data: Buffer.from([0xff, 0xfe, 0x00]) },
];

describe('GetRecords through the reader client', () => {
  it('gives what the SDK gives, record for record, and reads the answers itself', async () => {
    const stream = uniqueStreamName('tail-fast-path');
    await createActiveStream(sdk, stream, 2);
    for (let round = 0; round < 3; round++) {
      const put = await sdk.send(new PutRecordsCommand({ StreamName: stream, Records: entries() }));
      expect(put.FailedRecordCount).toBe(0);
      clock.at += 1_250;
    }
    const shards = (await sdk.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    const before = { ...stats() };
    let records = 0;
    for (const shard of shards) for (const answer of await readBoth(stream, shard.ShardId as string, 4)) records += answer.Records?.length ?? 0;
    expect(records).toBe(3 * entries().length);
    expect(stats().decoded - before.decoded).toBeGreaterThanOrEqual(shards.length * 2);
    expect(stats().leftToSdk).toBe(before.leftToSdk);
  });

  it('gives EncryptionType of a KMS stream as the SDK does', async () => {
    const stream = uniqueStreamName('tail-fast-kms');
    await createActiveStream(sdk, stream, 1);
    await sdk.send(new StartStreamEncryptionCommand({ StreamName: stream, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    await waitForStreamStatus(sdk, stream, 'ACTIVE');
    await sdk.send(new PutRecordsCommand({ StreamName: stream, Records: entries() }));
    const answers = await readBoth(stream, 'shardId-000000000000', 100);
    expect(answers[0].Records?.map((r) => r.EncryptionType)).toEqual(entries().map(() => 'KMS'));
  });

  it('leaves the answer at a shard end (ChildShards) to the SDK and gives the same', async () => {
    const stream = uniqueStreamName('tail-fast-split');
    await createActiveStream(sdk, stream, 1);
    await sdk.send(new PutRecordsCommand({ StreamName: stream, Records: entries() }));
    await sdk.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    await waitForStreamStatus(sdk, stream, 'ACTIVE');
    const before = { ...stats() };
    const answers = await readBoth(stream, 'shardId-000000000000', 100);
    const last = answers[answers.length - 1];
    expect(last.ChildShards?.map((c) => c.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    expect(last.NextShardIterator).toBeUndefined();
    expect(stats().leftToSdk - before.leftToSdk).toBe(1);
  });

  it('fails a bad iterator with the SDK error', async () => {
    const fail = (client: KinesisClient): Promise<unknown> => client.send(new GetRecordsCommand({ ShardIterator: 'AAAAnot-an-iterator' })).then(() => undefined, (e: unknown) => e);
    const [ours, theirs] = (await Promise.all([fail(readers.polling), fail(sdk)])) as Array<Error & { $fault: string; $metadata: { httpStatusCode: number } }>;
    expect(ours).toBeInstanceOf(Error);
    expect([ours.name, ours.message, ours.$fault, ours.$metadata.httpStatusCode]).toEqual([theirs.name, theirs.message, theirs.$fault, theirs.$metadata.httpStatusCode]);
    expect(ours.constructor).toBe(theirs.constructor);
  });
});
