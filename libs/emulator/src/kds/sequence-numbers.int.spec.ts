/**
 * Sequence numbers through the official SDK v3 client: what the emulator issues reads as the service's own
 * layout (kinesalite's parseSequence, recorded from AWS: created seconds, the shard index's last hex digit
 * repeated, the record index, 00, arrival seconds, the shard index, version 2), a given StartingSequenceNumber
 * is judged as AWS judges it, and shards persisted by an emulator before this layout keep the numbers their
 * clients hold as checkpoints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  SplitShardCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '@tributary/runtime/testing';
import { startEmulator, type RunningEmulator } from '../emulator';
import {
  HTTP2_DEFAULT,
  KDS_HANDLERS,
  TEST_ACCOUNT,
  createActiveStream,
  createKinesisClient,
  errorOf,
  uniqueStreamName,
  useKdsTestEmulator,
  waitForStreamStatus,
} from '../testing/kds-test-clients';
import { tempDirsRemovedAfterEach } from '../testing/temp-dirs';
import { HALF_HASH_KEY } from '../testing/hash-keys';
import { encodeSequenceNumber } from './sequence-number';

/** The fields of a v2 sequence number, read at the hex offsets the service's layout puts them. */
function fieldsOf(seq: string) {
  const hex = BigInt(seq).toString(16);
  expect(hex).toHaveLength(47);
  return {
    version: hex[46],
    created: parseInt(hex.slice(1, 10), 16),
    shardDigit: hex[10],
    index: BigInt(`0x${hex.slice(11, 27)}`),
    byte1: hex.slice(27, 29),
    arrival: parseInt(hex.slice(29, 38), 16),
    shard: parseInt(hex.slice(38, 46), 16),
  };
}

const dataOf = (r: { Data?: Uint8Array }): string => Buffer.from(r.Data ?? []).toString();

describe.each(KDS_HANDLERS)('KDS sequence numbers over the %s', (handler) => {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const t = useKdsTestEmulator(handler, { clock, limits: false }, { maxAttempts: 1 });

  it("are laid out as the service's, shard digit and all", async () => {
    const name = uniqueStreamName('layout');
    await createActiveStream(t.client, name, 1);
    const created = Math.floor(clock.now() / 1000);
    await t.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shard-0', NewStartingHashKey: HALF_HASH_KEY.toString() }));
    await waitForStreamStatus(t.client, name, 'ACTIVE');
    // Shards 1 and 2; shard 2 shows that the digit after the creation time is the shard index's.
    const first = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('1'), ExplicitHashKey: HALF_HASH_KEY.toString() }));
    clock.advance(3000);
    const second = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('2'), ExplicitHashKey: HALF_HASH_KEY.toString() }));
    expect([first.ShardId, second.ShardId]).toEqual(['shardId-000000000002', 'shardId-000000000002']);
    const shards = (await t.client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription?.Shards ?? [];
    const parent = shards[0].SequenceNumberRange;
    expect(fieldsOf(parent?.StartingSequenceNumber as string)).toMatchObject({ created, arrival: created, shardDigit: '0', index: 0n, shard: 0 });
    // A closed shard ends at the largest record index the layout holds, dated when it closed.
    const parentEnd = fieldsOf(parent?.EndingSequenceNumber as string);
    expect(parentEnd).toMatchObject({ created, arrival: created, index: 0x7fffffffffffffffn, shard: 0 });
    // AWS dates the children one second after their parent closed, and starts them at index 0 of that second.
    const childStart = fieldsOf(shards[2].SequenceNumberRange?.StartingSequenceNumber as string);
    expect(childStart).toMatchObject({ created: parentEnd.arrival + 1, arrival: parentEnd.arrival + 1, index: 0n, shardDigit: '2', shard: 2 });

    const [a, b] = [fieldsOf(first.SequenceNumber as string), fieldsOf(second.SequenceNumber as string)];
    // A record is never dated before its shard's creation second (the first came within the split's second).
    expect(a).toMatchObject({ version: '2', created: childStart.created, shardDigit: '2', byte1: '00', arrival: childStart.created, shard: 2 });
    expect(b).toMatchObject({ created: a.created, index: a.index + 1n, arrival: created + 3 });
    const read = await t.client.send(
      new GetRecordsCommand({
        ShardIterator: (await t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shard-2', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator,
      }),
    );
    expect(read.Records?.map((r) => r.SequenceNumber)).toEqual([first.SequenceNumber, second.SequenceNumber]);
  });

  describe('given to GetShardIterator', () => {
    let name: string;
    beforeAll(async () => {
      name = uniqueStreamName('given');
      await createActiveStream(t.client, name, 1);
    });
    const at = (seq: string) =>
      t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-0', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: seq }));
    const where = () => `on shard shardId-000000000000 in stream ${name} under account ${TEST_ACCOUNT}`;

    it('reads a small number as an old one of the shard it encodes', async () => {
      const err = await errorOf(at('5'));
      expect([err.name, err.message]).toEqual([
        'InvalidArgumentException',
        'Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used in a call to a shard with shardId-000000000000',
      ]);
    });

    it('answers InternalFailure (500) for an old number of the right shard, as AWS does', async () => {
      const err = await errorOf(at('0'));
      expect(err.name).toBe('InternalFailure');
      expect(err.$metadata.httpStatusCode).toBe(500);
    });

    it('calls a record index of 2^63 or a creation date past 2477 invalid', async () => {
      for (const hex of ['20000000000800000000000000000000000000000000002', '13bb2cc3d80000000000000000000000']) {
        const seq = BigInt(`0x${hex}`).toString();
        const err = await errorOf(at(seq));
        expect([err.name, err.message]).toEqual(['InvalidArgumentException', `StartingSequenceNumber ${seq} used in GetShardIterator ${where()} is invalid.`]);
      }
    });

    it('reads a shard index with its top bit set as negative', async () => {
      const err = await errorOf(at(BigInt('0x20000000000000000000000000000000000000800000002').toString()));
      expect(err.message).toBe('Invalid StartingSequenceNumber. It encodes shardId--02147483648, while it was used in a call to a shard with shardId-000000000000');
    });

    it('refuses a number of the same shard of another stream', async () => {
      const seq = encodeSequenceNumber({ shardIndex: 0, shardCreatedSeconds: 1_500_000_000, ordinal: 1, arrivalSeconds: 1_500_000_000 });
      const err = await errorOf(at(seq));
      expect([err.name, err.message]).toEqual([
        'InvalidArgumentException',
        `StartingSequenceNumber ${seq} used in GetShardIterator ${where()} is invalid because it did not come from this stream.`,
      ]);
    });
  });
});

describe('KDS sequence numbers of shards persisted before the AWS layout', () => {
  const tempDir = tempDirsRemovedAfterEach('kds-legacy-seq-');
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);

  async function withEmulator<T>(dataDir: string, run: (client: KinesisClient) => Promise<T>): Promise<T> {
    const emu: RunningEmulator = await startEmulator({ port: 0, clock, dataDir, limits: false });
    const client = createKinesisClient(emu.url, HTTP2_DEFAULT);
    try {
      return await run(client);
    } finally {
      client.destroy();
      await emu.close();
    }
  }
  const readFrom = async (client: KinesisClient, name: string, type: 'TRIM_HORIZON' | 'AFTER_SEQUENCE_NUMBER', seq?: string) => {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: type, StartingSequenceNumber: seq }));
    return (await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }))).Records ?? [];
  };

  it('keep issuing and reading the layout their clients checkpointed, while new shards use AWS’s', async () => {
    const dataDir = tempDir();
    const name = uniqueStreamName('legacy');
    await withEmulator(dataDir, async (client) => {
      await createActiveStream(client, name, 1);
      for (const d of ['a', 'b', 'c']) await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(d) }));
    });
    // What an emulator before the AWS layout left: the same state, marked version 1.
    const file = path.join(dataDir, 'kds-metadata.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(state.version).toBe(2);
    state.version = 1;
    fs.writeFileSync(file, JSON.stringify(state));
    const shard = state.streams[0].shards[0];
    const legacy = (ordinal: number) =>
      encodeSequenceNumber({ shardIndex: 0, shardCreatedSeconds: Math.floor(shard.createdAt / 1000), ordinal, arrivalSeconds: Math.floor(clock.now() / 1000) }, 'legacy');

    for (let run = 0; run < 2; run++) {
      await withEmulator(dataDir, async (client) => {
        const all = await readFrom(client, name, 'TRIM_HORIZON');
        expect(all.map((r) => r.SequenceNumber)).toEqual([legacy(1), legacy(2), legacy(3)]);
        // A checkpoint taken by the old version resumes where it was.
        expect((await readFrom(client, name, 'AFTER_SEQUENCE_NUMBER', legacy(1))).map(dataOf)).toEqual(['b', 'c']);
        // A stream created now is in AWS's layout.
        const fresh = uniqueStreamName('fresh');
        await client.send(new CreateStreamCommand({ StreamName: fresh, ShardCount: 1 }));
        await waitForStreamStatus(client, fresh, 'ACTIVE');
        const put = await client.send(new PutRecordCommand({ StreamName: fresh, PartitionKey: 'k', Data: Buffer.from('x') }));
        expect(fieldsOf(put.SequenceNumber as string)).toMatchObject({ index: 1n, byte1: '00', shard: 0 });
      });
    }
  });
});
