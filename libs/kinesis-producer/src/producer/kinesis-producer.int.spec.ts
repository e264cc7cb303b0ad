/**
 * The producer against the real emulator (AWS's limits on), read back with GetRecords and deaggregated with
 * aws-kinesis-agg: delivery with and without aggregation, per-key order in ordered mode under injected
 * InternalFailure, no loss and no producer-made duplicates under faults, backpressure, and both HTTP clients.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { RunningEmulator } from '@tributary/emulator';
import { hashKeyOf } from '@tributary/partitioning';
import type { KinesisProducer } from './kinesis-producer';
import type { KinesisProducerOptions } from './producer-options';
import type { FailedRecord, PutResult } from './producer-types';
import {
  TEST_CREDENTIALS,
  TEST_REGION,
  createStream,
  duplicatesOf,
  emulatorProducer,
  payloadsByKey,
  readStream,
  startTestEmulator,
  testClient,
  uniqueStreamName,
} from '../testing/producer-test-kit';

let emu: RunningEmulator;
let client: KinesisClient;
const producers: KinesisProducer[] = [];

beforeAll(async () => {
  emu = await startTestEmulator();
  client = testClient(emu.url);
});

afterEach(async () => {
  emu.faults.clear();
  await Promise.all(producers.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  client.destroy();
  await emu.close();
});

function producerFor(streamName: string, options: Partial<KinesisProducerOptions> = {}): KinesisProducer {
  const p = emulatorProducer(emu.url, streamName, options);
  producers.push(p);
  return p;
}

describe.each([
  ['aggregation on', true],
  ['aggregation off', false],
])('delivery (%s)', (_label, aggregation) => {
  it('every record arrives once, where put() said, with its partition key and data', async () => {
    const stream = uniqueStreamName('deliver');
    await createStream(client, stream, 3);
    const producer = producerFor(stream, { aggregation });
    const puts: Array<Promise<PutResult>> = [];
    for (let i = 0; i < 600; i++) puts.push(producer.put({ partitionKey: `device-${i % 25}`, data: `m-${i}` }));
    const results = await Promise.all(puts);
    await producer.flush();
    const read = await readStream(client, stream, hashKeyOf);
    expect(read.records).toHaveLength(600);
    expect(duplicatesOf(read.records)).toEqual([]);
    expect(read.misplacedAggregates).toEqual([]);
    // Each put() result points at its record: shard, sequence number and (aggregated) position.
    const byData = new Map(read.records.map((r) => [r.data, r]));
    for (let i = 0; i < 600; i++) {
      const r = byData.get(`m-${i}`);
      expect(r).toEqual(
        expect.objectContaining({ partitionKey: `device-${i % 25}`, shardId: results[i].shardId, sequenceNumber: results[i].sequenceNumber }),
      );
      expect(r?.subSequenceNumber).toBe(results[i].subSequenceNumber);
    }
    if (aggregation) {
      // 600 small records over 3 shards: a handful of aggregates, not 600 Kinesis records.
      expect(read.kinesisRecords).toBeLessThanOrEqual(6);
      expect(read.records.every((r) => r.aggregated)).toBe(true);
    } else {
      expect(read.kinesisRecords).toBe(600);
    }
    // Without failures, a single producer in unordered mode keeps per-key order too (one call at a time here).
    for (const [key, payloads] of payloadsByKey(read.records)) {
      const n = Number(key.slice('device-'.length));
      expect(payloads.map((p) => Number(p.slice(2)))).toEqual(Array.from({ length: 24 }, (_, j) => n + 25 * j));
    }
  });
});

describe('faults', () => {
  it('with 30 % of PutRecords entries failing (InternalFailure): nothing lost, nothing duplicated', async () => {
    const stream = uniqueStreamName('faults');
    await createStream(client, stream, 2);
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, errorRate: 0.3 });
    const failures: FailedRecord[] = [];
    let retries = 0;
    const producer = producerFor(stream, { aggregation: false, retry: { baseDelayMs: 20, maxDelayMs: 200 }, onFailure: (f) => void failures.push(...f) });
    producer.on('retry', (e) => (retries += e.userRecords));
    const puts = Array.from({ length: 1500 }, (_, i) => producer.put({ partitionKey: `k-${i % 50}`, data: `f-${i}` }));
    await Promise.all(puts);
    const read = await readStream(client, stream, hashKeyOf);
    expect(failures).toEqual([]);
    expect(read.records).toHaveLength(1500);
    expect(duplicatesOf(read.records)).toEqual([]);
    // About 30 % of the first attempts (and of the retries) failed: hundreds of retries happened.
    expect(retries).toBeGreaterThan(300);
    expect(producer.stats().totals.retries).toBe(retries);
  });

  it('ordered mode keeps each key in put() order under the same faults, with aggregation', async () => {
    const stream = uniqueStreamName('ordered');
    await createStream(client, stream, 2);
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, errorRate: 0.3 });
    // With aggregation a slow machine packs the 600 records into a handful of entries, and 30 % of a handful can be
    // none (CI's Node 22 leg once saw no retry): the first two entries fail for sure, so retries always happen.
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, errorRate: 1, count: 2 });
    const producer = producerFor(stream, { ordered: true, maxBufferedTimeMs: 5, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    const keys = Array.from({ length: 20 }, (_, i) => `sensor-${i}`);
    const puts: Array<Promise<PutResult>> = [];
    // Put in waves so that many calls (and many failures) happen while later records of the same keys wait.
    for (let wave = 0; wave < 30; wave++) {
      for (const key of keys) puts.push(producer.put({ partitionKey: key, data: `${key}:${wave}` }));
      await sleep(2);
    }
    await Promise.all(puts);
    const read = await readStream(client, stream, hashKeyOf);
    expect(read.records).toHaveLength(600);
    expect(duplicatesOf(read.records)).toEqual([]);
    expect(producer.stats().totals.retries).toBeGreaterThan(0);
    for (const [key, payloads] of payloadsByKey(read.records)) {
      expect(payloads).toEqual(Array.from({ length: 30 }, (_, wave) => `${key}:${wave}`));
    }
  });
});

describe('backpressure', () => {
  it('with a tiny buffer, put() waits and the buffer stays within its bound; everything arrives', async () => {
    const stream = uniqueStreamName('backpressure');
    await createStream(client, stream, 1);
    const producer = producerFor(stream, { maxBufferedRecords: 50, maxBufferedBytes: 64 * 1024, aggregation: false });
    let maxBuffered = 0;
    let maxWaiting = 0;
    const sample = (): void => {
      const s = producer.stats();
      maxBuffered = Math.max(maxBuffered, s.bufferedRecords);
      maxWaiting = Math.max(maxWaiting, s.waitingPuts);
    };
    producer.on('records-put', sample);
    const waits: boolean[] = [];
    producer.on('backpressure', (e) => waits.push(e.waiting));
    // A caller that does not await each put: the promises wait, the buffer does not grow.
    const puts = Array.from({ length: 2000 }, (_, i) => {
      const p = producer.put({ partitionKey: `k${i % 7}`, data: `b-${i}` });
      sample();
      return p;
    });
    expect(producer.writable).toBe(false);
    await Promise.all(puts);
    expect(maxBuffered).toBeLessThanOrEqual(50);
    expect(maxWaiting).toBe(1950);
    expect(waits[0]).toBe(true);
    expect(waits.at(-1)).toBe(false);
    const read = await readStream(client, stream, hashKeyOf);
    expect(read.records).toHaveLength(2000);
    // A writer that awaits whenWritable() between puts never queues a waiting put.
    const waitingBefore = producer.stats().waitingPuts;
    const more: Array<Promise<PutResult>> = [];
    for (let i = 0; i < 300; i++) {
      if (!producer.writable) await producer.whenWritable();
      more.push(producer.put({ partitionKey: 'w', data: `w-${i}` }));
      expect(producer.stats().waitingPuts).toBe(0);
    }
    await Promise.all(more);
    expect(waitingBefore).toBe(0);
  });
});

describe('HTTP clients', () => {
  it('works with the default keep-alive client and with a client passed in (the SDK default, HTTP/2)', async () => {
    const stream = uniqueStreamName('clients');
    await createStream(client, stream, 1);
    const sdkDefault = new KinesisClient({ endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const own = producerFor(stream);
      const passed = producerFor(stream, { client: sdkDefault });
      await Promise.all([own.put({ partitionKey: 'x', data: 'from-default' }), passed.put({ partitionKey: 'x', data: 'from-sdk-h2' })]);
      await passed.close();
      // The producer does not destroy a client it was given.
      await expect(sdkDefault.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: 'x', Data: Buffer.from('direct') }] }))).resolves.toEqual(
        expect.objectContaining({ FailedRecordCount: 0 }),
      );
      const read = await readStream(client, stream, hashKeyOf);
      expect(read.records.map((r) => r.data).sort()).toEqual(['direct', 'from-default', 'from-sdk-h2']);
    } finally {
      sdkDefault.destroy();
    }
  });
});
