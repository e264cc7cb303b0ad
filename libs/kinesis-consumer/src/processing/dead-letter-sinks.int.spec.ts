/**
 * KinesisDeadLetterSink against the real emulator with the official SDK v3 client, over both HTTP handlers:
 * envelopes land in the dead-letter stream with the original partition keys (read back with GetRecords), calls
 * beyond 500 entries are split, injected per-entry InternalFailure is retried without loss or duplicates, a
 * missing stream fails at once, and a poison record found by the BatchProcessor ends up there with its payload.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { KDS_HANDLERS, createActiveStream, uniqueStreamName, useKdsTestEmulator } from '@tributary/emulator/testing';
import { makeRecords, indexOf } from '../testing/processing-test-kit';
import { BatchProcessor } from './batch-processor';
import { parseDeadLetterEnvelope, type DeadLetterEnvelope } from './dead-letter-envelope';
import { KinesisDeadLetterSink } from './dead-letter-sinks';
import type { DeadLetterEntry } from './processing-types';

async function readAll(client: KinesisClient, streamName: string): Promise<Array<{ partitionKey: string; envelope: DeadLetterEnvelope }>> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const out: Array<{ partitionKey: string; envelope: DeadLetterEnvelope }> = [];
  for (const shard of shards) {
    let iterator = (
      await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) out.push({ partitionKey: r.PartitionKey ?? '', envelope: parseDeadLetterEnvelope(r.Data ?? new Uint8Array()) });
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

function entriesOf(count: number): DeadLetterEntry[] {
  return makeRecords({ count, partitionKeyOf: (i) => `device-${i % 13}` }).map((record, i) => ({
    record,
    streamName: 'telemetry',
    condition: 'RetryAttemptsExhausted',
    error: { name: 'Error', message: `failed ${i}` },
    attempts: 4,
    firstFailureAt: new Date(1_700_000_000_000),
    lastFailureAt: new Date(1_700_000_002_000),
  }));
}

const payload = (e: DeadLetterEnvelope): string => Buffer.from(e.data, 'base64').toString();

describe.each(KDS_HANDLERS)('KinesisDeadLetterSink over %s', (handler) => {
  // One attempt per SDK call: the sink's own retries are what is tested.
  const kds = useKdsTestEmulator(handler, {}, { maxAttempts: 1 });
  afterEach(() => kds.emu.faults.clear());

  it('writes every envelope with its partition key, 600 entries (two PutRecords calls), each key in order', async () => {
    const stream = uniqueStreamName('dlq');
    await createActiveStream(kds.client, stream, 2);
    const sink = new KinesisDeadLetterSink({ client: kds.client, streamName: stream });
    const entries = entriesOf(600);
    await sink.send(entries);
    await sink.close();
    const stored = await readAll(kds.client, stream);
    expect(stored).toHaveLength(600);
    for (const { partitionKey, envelope } of stored) expect(partitionKey).toBe(envelope.partitionKey);
    expect(stored.map((s) => payload(s.envelope)).sort()).toEqual(entries.map((e) => `record-${indexOf(e.record)}`).sort());
    // One key lives on one shard: its dead letters read back in the order they were sent.
    const key0 = stored.filter((s) => s.partitionKey === 'device-0').map((s) => Number(payload(s.envelope).slice('record-'.length)));
    expect(key0).toHaveLength(47);
    expect(key0).toEqual([...key0].sort((a, b) => a - b));
    expect(stored[0].envelope).toMatchObject({ stream: 'telemetry', condition: 'RetryAttemptsExhausted', attempts: 4 });
  });

  it('retries entries failed with InternalFailure until all are written, without duplicates', async () => {
    const stream = uniqueStreamName('dlq-faults');
    await createActiveStream(kds.client, stream, 1);
    const rule = kds.emu.faults.add({ operations: ['PutRecords'], streamName: stream, errorRate: 0.3 });
    const sink = new KinesisDeadLetterSink({ client: kds.client, streamName: stream, maxAttempts: 15, backoff: { baseMs: 1, maxMs: 10 } });
    await sink.send(entriesOf(300));
    kds.emu.faults.clear();
    const stored = await readAll(kds.client, stream);
    expect(stored.map((s) => payload(s.envelope)).sort()).toEqual(entriesOf(300).map((e) => `record-${indexOf(e.record)}`).sort());
    // The rule did fail entries (each is retried alone): the sink, not luck, delivered everything.
    expect(rule.fired).toBeGreaterThan(0);
  });

  it('fails at once, not retriable, when the dead-letter stream does not exist', async () => {
    const sink = new KinesisDeadLetterSink({ client: kds.client, streamName: uniqueStreamName('missing') });
    await expect(sink.send(entriesOf(1))).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: false });
  });

  it('receives the poison record the BatchProcessor isolates, with its payload and position', async () => {
    const stream = uniqueStreamName('dlq-poison');
    await createActiveStream(kds.client, stream, 1);
    const records = makeRecords({ count: 200 });
    const handled: number[] = [];
    const processor = new BatchProcessor({
      handler: async (batch) => {
        if (batch.some((r) => indexOf(r) === 123)) throw new Error('poison');
        handled.push(...batch.map(indexOf));
      },
      maximumRetryAttempts: 2,
      retryBackoff: { baseMs: 1, maxMs: 5 },
      onFailure: new KinesisDeadLetterSink({ client: kds.client, streamName: stream }),
    });
    const outcome = await processor.process(records, { shardId: records[0].shardId, streamName: 'telemetry', checkpoint: async () => undefined });
    expect(outcome).toMatchObject({ processedUpTo: records[199], handled: 199, deadLettered: 1 });
    expect(handled).toEqual(records.map(indexOf).filter((i) => i !== 123));
    const stored = await readAll(kds.client, stream);
    expect(stored).toHaveLength(1);
    expect(stored[0].envelope).toMatchObject({
      sequenceNumber: records[123].sequenceNumber,
      shardId: records[123].shardId,
      partitionKey: records[123].partitionKey,
      condition: 'RetryAttemptsExhausted',
      attempts: 3,
      error: { name: 'Error', message: 'poison' },
    });
    expect(payload(stored[0].envelope)).toBe('record-123');
  });
});
