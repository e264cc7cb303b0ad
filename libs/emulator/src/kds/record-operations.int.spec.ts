/**
 * The KDS data plane through the official SDK v3 client, over HTTP/2 and HTTP/1.1: PutRecord(s) routing by
 * MD5 hash key (computed here, independently of the emulator), the five iterator types and their errors,
 * GetRecords paging and byte-exact round trips, the sequence-number format KCL relies on
 * (kds-reference.md §1.2: 186-bit, shard index in bits 4..35), and iterator expiry under an injected clock.
 * Throughput limits are off here (limits.int.spec.ts covers them), so the frozen clock never starves a bucket.
 */
import {
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type Shard,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '@tributary/runtime/testing';
import {
  KDS_HANDLERS,
  TEST_ACCOUNT,
  createActiveStream,
  errorOf,
  uniqueStreamName,
  useKdsTestEmulator,
} from '../testing/kds-test-clients';
import { MAX_HASH_KEY, md5HashKey } from '../testing/hash-keys';

const MiB = 1024 * 1024;

const shardIndexOf = (shardId: string): number => Number(shardId.slice('shardId-'.length));

/** The open shard whose inclusive hash range holds `hash`. */
function shardFor(shards: Shard[], hash: bigint): string {
  const s = shards.find(
    (x) => BigInt(x.HashKeyRange?.StartingHashKey as string) <= hash && hash <= BigInt(x.HashKeyRange?.EndingHashKey as string),
  );
  if (!s) throw new Error(`no shard holds ${hash}`);
  return s.ShardId as string;
}

/** KCL's SequenceNumberValidator reads the shard index from bits 4..35 of the 186-bit number. */
function expectKclSequenceNumber(seq: string, shardId: string): void {
  expect(seq).toMatch(/^[1-9]\d{55}$/);
  const value = BigInt(seq);
  expect(value.toString(2).length).toBe(186);
  expect(value >> 184n).toBe(2n);
  expect(Number((value >> 4n) & 0xffffffffn)).toBe(shardIndexOf(shardId));
}

function expectStrictlyIncreasing(seqs: string[]): void {
  for (let i = 1; i < seqs.length; i++) expect(BigInt(seqs[i]) > BigInt(seqs[i - 1])).toBe(true);
}

describe.each(KDS_HANDLERS)('KDS record operations over the %s', (handler) => {
  // Whole seconds, so timestamps survive any serialization of them exactly.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const t = useKdsTestEmulator(handler, { clock, limits: false });

  const iterator = async (input: GetShardIteratorCommandInput): Promise<string> =>
    (await t.client.send(new GetShardIteratorCommand(input))).ShardIterator as string;

  /** Reads a shard from `shardIterator` until caught up (an empty batch), in calls of `limit`. */
  async function readAll(client: KinesisClient, shardIterator: string, limit?: number): Promise<_Record[]> {
    const out: _Record[] = [];
    let it: string | undefined = shardIterator;
    for (let calls = 0; it && calls < 1000; calls++) {
      const res: GetRecordsCommandOutput = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: limit }));
      out.push(...(res.Records ?? []));
      if ((res.Records ?? []).length === 0) break;
      it = res.NextShardIterator;
    }
    return out;
  }

  async function openShards(name: string): Promise<Shard[]> {
    return (await t.client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
  }

  describe('PutRecord and PutRecords', () => {
    it('routes every entry by MD5(partition key), answers in request order, and keeps per-shard order', async () => {
      const name = uniqueStreamName('route');
      await createActiveStream(t.client, name, 4);
      const shards = await openShards(name);
      const keys = Array.from({ length: 120 }, (_, i) => `device-${i}`);
      const out = await t.client.send(
        new PutRecordsCommand({ StreamName: name, Records: keys.map((k, i) => ({ PartitionKey: k, Data: Buffer.from(`payload ${i}`) })) }),
      );
      expect(out.FailedRecordCount).toBe(0);
      expect(out.EncryptionType).toBeUndefined();
      const results = out.Records ?? [];
      expect(results).toHaveLength(keys.length);
      results.forEach((r, i) => {
        expect(r.ErrorCode).toBeUndefined();
        expect(r.ShardId).toBe(shardFor(shards, md5HashKey(keys[i])));
        expectKclSequenceNumber(r.SequenceNumber as string, r.ShardId as string);
      });
      // Every shard got some of 120 keys, so the check above covered all four ranges.
      expect(new Set(results.map((r) => r.ShardId)).size).toBe(4);

      for (const shard of shards) {
        const mine = results.map((r, i) => ({ ...r, i })).filter((r) => r.ShardId === shard.ShardId);
        expectStrictlyIncreasing(mine.map((r) => r.SequenceNumber as string));
        const read = await readAll(t.client, await iterator({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
        expect(read.map((r) => r.PartitionKey)).toEqual(mine.map((r) => keys[r.i]));
        expect(read.map((r) => r.SequenceNumber)).toEqual(mine.map((r) => r.SequenceNumber));
      }
    });

    it('takes partition keys beyond ASCII: stored as sent and routed by the MD5 of their UTF-8 bytes', async () => {
      // A body with any non-ASCII byte is decoded as UTF-8; an all-ASCII one takes the faster path (kds-http.ts).
      const name = uniqueStreamName('utf8-keys');
      await createActiveStream(t.client, name, 4);
      const shards = await openShards(name);
      const keys = ['ü-sensor', 'センサー-7', 'emoji-😀', 'ascii-only', 'Ω'.repeat(256)];
      const out = await t.client.send(new PutRecordsCommand({ StreamName: name, Records: keys.map((k, i) => ({ PartitionKey: k, Data: Buffer.from(`é ${i}`) })) }));
      expect(out.FailedRecordCount).toBe(0);
      (out.Records ?? []).forEach((r, i) => expect(r.ShardId).toBe(shardFor(shards, md5HashKey(keys[i]))));
      const one = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'ü-single', Data: Buffer.from('x') }));
      expect(one.ShardId).toBe(shardFor(shards, md5HashKey('ü-single')));
      const read: _Record[] = [];
      for (const shard of shards) read.push(...(await readAll(t.client, await iterator({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))));
      expect(read.map((r) => r.PartitionKey).sort()).toEqual([...keys, 'ü-single'].sort());
      const data = new Map(read.map((r) => [r.PartitionKey, Buffer.from(r.Data as Uint8Array).toString()]));
      keys.forEach((k, i) => expect(data.get(k)).toBe(`é ${i}`));
    });

    it('PutRecord answers the shard and a sequence number that grows with every write', async () => {
      const name = uniqueStreamName('put-one');
      await createActiveStream(t.client, name, 2);
      const shards = await openShards(name);
      const seqs: Record<string, string[]> = {};
      for (let i = 0; i < 20; i++) {
        const key = `k${i}`;
        const r = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: Buffer.from([i]) }));
        expect(r.ShardId).toBe(shardFor(shards, md5HashKey(key)));
        expectKclSequenceNumber(r.SequenceNumber as string, r.ShardId as string);
        (seqs[r.ShardId as string] ??= []).push(r.SequenceNumber as string);
        if (i === 10) clock.advance(1000);
      }
      for (const list of Object.values(seqs)) expectStrictlyIncreasing(list);
    });

    it('routes by ExplicitHashKey at the edges of the hash ranges', async () => {
      const name = uniqueStreamName('explicit');
      await createActiveStream(t.client, name, 3);
      const shards = await openShards(name);
      const cases: Array<[string, string]> = [
        ['0', 'shardId-000000000000'],
        [shards[0].HashKeyRange?.EndingHashKey as string, 'shardId-000000000000'],
        [shards[1].HashKeyRange?.StartingHashKey as string, 'shardId-000000000001'],
        [shards[2].HashKeyRange?.StartingHashKey as string, 'shardId-000000000002'],
        [MAX_HASH_KEY.toString(), 'shardId-000000000002'],
      ];
      for (const [hashKey, shardId] of cases) {
        // The partition key hashes elsewhere; the explicit key wins.
        const r = await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'same', ExplicitHashKey: hashKey, Data: Buffer.from('x') }));
        expect(r.ShardId).toBe(shardId);
      }
      const batch = await t.client.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: cases.map(([hashKey]) => ({ PartitionKey: 'same', ExplicitHashKey: hashKey, Data: Buffer.from('y') })),
        }),
      );
      expect(batch.Records?.map((r) => r.ShardId)).toEqual(cases.map(([, shardId]) => shardId));
    });

    it('refuses an ExplicitHashKey above 2^128 − 1', async () => {
      const name = uniqueStreamName('explicit-bad');
      await createActiveStream(t.client, name, 1);
      const tooBig = (MAX_HASH_KEY + 1n).toString();
      const message = `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${tooBig}`;
      const one = await errorOf(t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', ExplicitHashKey: tooBig, Data: Buffer.from('x') })));
      expect(one.name).toBe('InvalidArgumentException');
      expect(one.message).toBe(message);
      const many = await errorOf(
        t.client.send(
          new PutRecordsCommand({
            StreamName: name,
            Records: [
              { PartitionKey: 'k', Data: Buffer.from('fine') },
              { PartitionKey: 'k', ExplicitHashKey: tooBig, Data: Buffer.from('x') },
            ],
          }),
        ),
      );
      expect(many.name).toBe('InvalidArgumentException');
      expect(many.message).toBe(message);
      // The whole call was refused: nothing was written.
      const read = await readAll(t.client, await iterator({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
      expect(read).toEqual([]);
    });

    it('accepts a 1 MiB record and refuses a larger one with ValidationException', async () => {
      const name = uniqueStreamName('oversize');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(MiB, 7) }));
      const one = await errorOf(t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.alloc(MiB + 1) })));
      expect(one.name).toBe('ValidationException');
      expect(one.message).toBe(
        `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${MiB + 1} cap=${MiB + 1}]' at 'data' failed to satisfy constraint: Member must have length less than or equal to ${MiB}`,
      );
      const many = await errorOf(
        t.client.send(
          new PutRecordsCommand({
            StreamName: name,
            Records: [
              { PartitionKey: 'k', Data: Buffer.from('small') },
              { PartitionKey: 'k', Data: Buffer.alloc(MiB + 1) },
            ],
          }),
        ),
      );
      expect(many.name).toBe('ValidationException');
      expect(many.message).toBe(
        `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${MiB + 1} cap=${MiB + 1}]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to ${MiB}`,
      );
    });

    it('refuses more than 500 entries with ValidationException', async () => {
      const name = uniqueStreamName('too-many');
      await createActiveStream(t.client, name, 1);
      const err = await errorOf(
        t.client.send(new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 501 }, () => ({ PartitionKey: 'k', Data: Buffer.from('x') })) })),
      );
      expect(err.name).toBe('ValidationException');
      expect(err.message).toMatch(/^1 validation error detected: Value '.*' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/s);
    });

    it('refuses a PutRecords of more than 5 MiB, partition keys included', async () => {
      const name = uniqueStreamName('five-mib');
      await createActiveStream(t.client, name, 1);
      const err = await errorOf(
        t.client.send(new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 5 }, () => ({ PartitionKey: 'k', Data: Buffer.alloc(MiB) })) })),
      );
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.message).toBe('Records size exceeds 5 MB limit');
    });
  });

  describe('GetShardIterator', () => {
    const name = uniqueStreamName('iterators');
    const shardId = 'shardId-000000000000';
    const seqs: string[] = [];
    let firstWrite = 0;

    beforeAll(async () => {
      await createActiveStream(t.client, name, 1);
      firstWrite = clock.now();
      for (let i = 0; i < 3; i++) {
        seqs.push((await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) }))).SequenceNumber as string);
      }
      clock.advance(10_000);
      for (let i = 3; i < 5; i++) {
        seqs.push((await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) }))).SequenceNumber as string);
      }
    });

    const data = (records: _Record[]): string[] => records.map((r) => Buffer.from(r.Data ?? []).toString());

    it('TRIM_HORIZON starts at the oldest record', async () => {
      const records = await readAll(t.client, await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      expect(data(records)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(records.map((r) => r.SequenceNumber)).toEqual(seqs);
    });

    it('LATEST sees only records written after it', async () => {
      const other = uniqueStreamName('latest');
      await createActiveStream(t.client, other, 1);
      await t.client.send(new PutRecordCommand({ StreamName: other, PartitionKey: 'k', Data: Buffer.from('before') }));
      const it = await iterator({ StreamName: other, ShardId: shardId, ShardIteratorType: 'LATEST' });
      const empty = await t.client.send(new GetRecordsCommand({ ShardIterator: it }));
      expect(empty.Records).toEqual([]);
      await t.client.send(new PutRecordCommand({ StreamName: other, PartitionKey: 'k', Data: Buffer.from('after-1') }));
      await t.client.send(new PutRecordCommand({ StreamName: other, PartitionKey: 'k', Data: Buffer.from('after-2') }));
      // Both the original iterator and the one GetRecords handed back see the later records.
      expect(data(await readAll(t.client, it))).toEqual(['after-1', 'after-2']);
      expect(data(await readAll(t.client, empty.NextShardIterator as string))).toEqual(['after-1', 'after-2']);
    });

    it('AT_SEQUENCE_NUMBER includes and AFTER_SEQUENCE_NUMBER excludes the given record', async () => {
      const at = await readAll(t.client, await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: seqs[2] }));
      expect(data(at)).toEqual(['r2', 'r3', 'r4']);
      const after = await readAll(
        t.client,
        await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: seqs[2] }),
      );
      expect(data(after)).toEqual(['r3', 'r4']);
      const last = await readAll(
        t.client,
        await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: seqs[4] }),
      );
      expect(last).toEqual([]);
    });

    it("AFTER_SEQUENCE_NUMBER of the shard's StartingSequenceNumber is the first record", async () => {
      const shard = (await openShards(name))[0];
      const start = shard.SequenceNumberRange?.StartingSequenceNumber as string;
      expectKclSequenceNumber(start, shardId);
      expect(BigInt(start) < BigInt(seqs[0])).toBe(true);
      const records = await readAll(t.client, await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: start }));
      expect(data(records)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    });

    it('AT_TIMESTAMP starts at the first record that arrived at or after the time', async () => {
      const read = async (ms: number): Promise<string[]> =>
        data(await readAll(t.client, await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(ms) })));
      expect(await read(firstWrite - 60_000)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(await read(firstWrite)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(await read(firstWrite + 5_000)).toEqual(['r3', 'r4']);
      expect(await read(firstWrite + 10_000)).toEqual(['r3', 'r4']);
      const records = await readAll(t.client, await iterator({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      expect(records.map((r) => r.ApproximateArrivalTimestamp?.getTime())).toEqual([
        firstWrite,
        firstWrite,
        firstWrite,
        firstWrite + 10_000,
        firstWrite + 10_000,
      ]);
    });

    it('refuses a sequence number of another shard', async () => {
      const other = uniqueStreamName('two-shards');
      await createActiveStream(t.client, other, 2);
      const put = await t.client.send(new PutRecordCommand({ StreamName: other, PartitionKey: 'k', ExplicitHashKey: '0', Data: Buffer.from('x') }));
      expect(put.ShardId).toBe('shardId-000000000000');
      const err = await errorOf(
        t.client.send(
          new GetShardIteratorCommand({
            StreamName: other,
            ShardId: 'shardId-000000000001',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: put.SequenceNumber,
          }),
        ),
      );
      expect(err.name).toBe('InvalidArgumentException');
      expect(err.message).toBe(
        'Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001',
      );
    });

    it('refuses a sequence number with TRIM_HORIZON and none with AT_SEQUENCE_NUMBER', async () => {
      const both = await errorOf(
        t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON', StartingSequenceNumber: seqs[0] })),
      );
      expect(both.name).toBe('InvalidArgumentException');
      expect(both.message).toBe(
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber.',
      );
      const none = await errorOf(t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER' })));
      expect(none.name).toBe('InvalidArgumentException');
      expect(none.message).toBe(
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.',
      );
    });

    it('refuses AT_TIMESTAMP without a Timestamp or with one in the future', async () => {
      const missing = await errorOf(t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP' })));
      expect(missing.name).toBe('InvalidArgumentException');
      expect(missing.message).toBe('Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.');
      const future = clock.now() + 60_000;
      const late = await errorOf(
        t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(future) })),
      );
      expect(late.name).toBe('InvalidArgumentException');
      expect(late.message).toBe(
        `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${future}, currentTimestampInMillis: ${clock.now()}`,
      );
    });

    it('answers ResourceNotFoundException for a shard the stream does not have', async () => {
      const err = await errorOf(t.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000007', ShardIteratorType: 'LATEST' })));
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toBe(`Shard shardId-000000000007 in stream ${name} under account ${TEST_ACCOUNT} does not exist`);
    });
  });

  describe('GetRecords', () => {
    it('honours Limit, continues with NextShardIterator and reports MillisBehindLatest', async () => {
      const name = uniqueStreamName('get');
      await createActiveStream(t.client, name, 1);
      const written = clock.now();
      await t.client.send(
        new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 5 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`m${i}`) })) }),
      );
      clock.advance(5_000);
      let it = await iterator({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
      const batches: string[][] = [];
      const behind: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await t.client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
        batches.push((res.Records ?? []).map((r) => Buffer.from(r.Data ?? []).toString()));
        behind.push(res.MillisBehindLatest as number);
        expect(res.ChildShards).toBeUndefined();
        it = res.NextShardIterator as string;
        expect(typeof it).toBe('string');
      }
      expect(batches).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4'], []]);
      // Behind by the age of the oldest unread record while records remain; 0 once caught up.
      expect(behind).toEqual([clock.now() - written, clock.now() - written, 0, 0]);
    });

    // Regression: a record that did not fit what was left of a call's 10 MiB budget made the shard log's read
    // loop spin forever, freezing the whole emulator on the first GetRecords after ~10 MiB of 1 MiB records.
    it('returns at most 10 MiB per call and continues where it stopped', async () => {
      const name = uniqueStreamName('ten-mib');
      await createActiveStream(t.client, name, 1);
      for (let i = 0; i < 12; i++) await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.alloc(MiB, i) }));
      let it: string | undefined = await iterator({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
      const perCall: number[] = [];
      const seen: number[] = [];
      while (it && seen.length < 12 && perCall.length < 12) {
        const res: GetRecordsCommandOutput = await t.client.send(new GetRecordsCommand({ ShardIterator: it }));
        const records = res.Records ?? [];
        expect(records.length).toBeGreaterThan(0);
        expect(records.reduce((n, r) => n + (r.Data?.length ?? 0), 0)).toBeLessThanOrEqual(10 * MiB);
        perCall.push(records.length);
        for (const r of records) {
          expect(r.Data?.length).toBe(MiB);
          seen.push(r.Data?.[0] as number);
        }
        it = res.NextShardIterator;
      }
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(perCall.length).toBeGreaterThan(1);
    });

    it('round-trips data and partition keys byte for byte, binary and Unicode included', async () => {
      const name = uniqueStreamName('bytes');
      await createActiveStream(t.client, name, 1);
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const entries = [
        { PartitionKey: 'ascii', Data: all },
        { PartitionKey: 'ключ-🔑-鍵', Data: Buffer.from([0, 0, 0, 0xff, 0xfe, 0x80, 0x0a, 0x0d]) },
        { PartitionKey: 'k'.repeat(256), Data: Buffer.from('+/=', 'utf8') },
        { PartitionKey: '\u0000\u00e9', Data: Buffer.alloc(70_000, 0xa5) },
      ];
      await t.client.send(new PutRecordCommand({ StreamName: name, ...entries[0] }));
      await t.client.send(new PutRecordsCommand({ StreamName: name, Records: entries.slice(1) }));
      const read = await readAll(t.client, await iterator({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
      expect(read.map((r) => r.PartitionKey)).toEqual(entries.map((e) => e.PartitionKey));
      read.forEach((r, i) => {
        expect(Buffer.from(r.Data ?? []).equals(entries[i].Data)).toBe(true);
        expect(r.EncryptionType).toBeUndefined();
      });
    });
  });

  describe('shard iterators', () => {
    it('expire after 300 s (ExpiredIteratorException) and refuse tampering (InvalidArgumentException)', async () => {
      const name = uniqueStreamName('expiry');
      await createActiveStream(t.client, name, 1);
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }));
      const it = await iterator({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });

      const raw = Buffer.from(it, 'base64');
      raw[raw.length >> 1] ^= 0x01;
      const tampered = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: raw.toString('base64') })));
      expect(tampered.name).toBe('InvalidArgumentException');
      expect(tampered.message).toBe('Invalid ShardIterator.');
      const garbage = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })));
      expect(garbage.name).toBe('InvalidArgumentException');
      expect(garbage.message).toBe('Invalid ShardIterator.');

      clock.advance(300_000);
      // Exactly 300 s old is still valid.
      const fresh = await t.client.send(new GetRecordsCommand({ ShardIterator: it }));
      expect(fresh.Records).toHaveLength(1);
      clock.advance(1_000);
      const issued = clock.now() - 301_000;
      const err = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: it })));
      expect(err.name).toBe('ExpiredIteratorException');
      expect(err.$metadata.httpStatusCode).toBe(400);
      // AWS writes the times as Java's Date.toString in UTC: "Fri Mar 15 07:58:30 UTC 2024".
      const javaDate = (ms: number): string => {
        const d = new Date(ms);
        const name = (i: number, list: string): string => list.split(' ')[i];
        const two = (n: number): string => String(n).padStart(2, '0');
        return `${name(d.getUTCDay(), 'Sun Mon Tue Wed Thu Fri Sat')} ${name(d.getUTCMonth(), 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec')} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
      };
      expect(err.message).toBe(
        `Iterator expired. The iterator was created at time ${javaDate(issued)} while right now it is ${javaDate(clock.now())} which is further in the future than the tolerated delay of 300000 milliseconds.`,
      );
      expect(err.message).toMatch(/created at time [A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} while/);
      // The iterator GetRecords handed back a second ago is fresh.
      const next = await t.client.send(new GetRecordsCommand({ ShardIterator: fresh.NextShardIterator }));
      expect(next.Records).toEqual([]);
    });

    it("of a deleted stream answer ResourceNotFoundException, even once a stream of the same name exists", async () => {
      const name = uniqueStreamName('deleted');
      await createActiveStream(t.client, name, 1);
      const it = await iterator({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' });
      await t.client.send(new DeleteStreamCommand({ StreamName: name }));
      const gone = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: it })));
      expect(gone.name).toBe('ResourceNotFoundException');
      expect(gone.message).toBe(`Shard shardId-000000000000 in stream ${name} under account ${TEST_ACCOUNT} does not exist`);
      clock.advance(1);
      await createActiveStream(t.client, name, 1);
      await t.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('new') }));
      const stillGone = await errorOf(t.client.send(new GetRecordsCommand({ ShardIterator: it })));
      expect(stillGone.name).toBe('ResourceNotFoundException');
    });
  });
});
