/**
 * The producer when Kinesis misbehaves, against the real emulator: sustained throttling under the real shard
 * limits, a shard split in the middle of production, the endpoint going away (records expire and are reported),
 * and coming back within the time-to-live (buffered records arrive).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { RunningEmulator } from '@tributary/emulator';
import { hashKeyOf } from '@tributary/partitioning';
import type { KinesisProducer } from './kinesis-producer';
import { RecordExpiredError } from '../errors';
import type { MisplacedAggregateEvent, ShardMapEvent } from './producer-events';
import type { KinesisProducerOptions } from './producer-options';
import type { FailedRecord, PutResult } from './producer-types';
import {
  createStream,
  duplicatesOf,
  emulatorProducer,
  kclView,
  payloadsByKey,
  readStream,
  startTestEmulator,
  testClient,
  uniqueStreamName,
} from '../testing/producer-test-kit';

function producerFor(emu: RunningEmulator, streamName: string, options: Partial<KinesisProducerOptions> = {}): KinesisProducer {
  return emulatorProducer(emu.url, streamName, options, { connectionTimeoutMs: 500 });
}

describe('with the emulator running', () => {
  let emu: RunningEmulator;
  let client: KinesisClient;

  beforeAll(async () => {
    emu = await startTestEmulator();
    client = testClient(emu.url);
  });

  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it('5,000 records thrown at one shard at twice its limit: all arrive once, throttles are answered by slowing down', async () => {
    const stream = uniqueStreamName('throttle');
    await createStream(client, stream, 1);
    // 200 % of the shard's limits: the producer overshoots on purpose, the emulator throttles (1,000 records/s),
    // AIMD brings the pace down. Aggregation off, so that every user record is a Kinesis record.
    const producer = producerFor(emu, stream, { aggregation: false, rateLimitPercent: 200, maxBufferedTimeMs: 20 });
    let throttleAnswers = 0;
    let cuts = 0;
    let retried = 0;
    producer.on('throttle', (e) => {
      throttleAnswers += e.kinesisRecords;
      if (e.cut) cuts++;
    });
    producer.on('retry', (e) => (retried += e.userRecords));
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => producer.put({ partitionKey: `k-${i % 100}`, data: `t-${i}` })));
    const seconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await producer.close();
    const read = await readStream(client, stream, hashKeyOf);
    expect(read.records).toHaveLength(5000);
    expect(duplicatesOf(read.records)).toEqual([]);
    expect(new Set(results.map((r) => r.sequenceNumber)).size).toBe(5000);
    // The emulator allows a 1,000-record burst then 1,000 records/s: at least ~4 s for 5,000.
    expect(seconds).toBeGreaterThan(3.5);
    expect(throttleAnswers).toBeGreaterThan(0);
    expect(cuts).toBeGreaterThan(0);
    expect(retried).toBe(throttleAnswers);
    expect(producer.stats().totals.throttles).toBe(throttleAnswers);
    // No spin while throttled: the calls are paced, and this process stayed mostly idle.
    expect(producer.stats().totals.putRecordsCalls).toBeLessThan(400);
    expect((cpu.user + cpu.system) / 1e6 / seconds).toBeLessThan(0.5);
  });

  it.each([
    ['report', false],
    ['resend', true],
  ] as const)(
    "a shard split during production (misplacedAggregates: '%s', ordered: %s): records keep arriving, the map refreshes, nothing is lost",
    async (policy, ordered) => {
      const stream = uniqueStreamName(`reshard-${policy}`);
      await createStream(client, stream, 1);
      const producer = producerFor(emu, stream, { maxBufferedTimeMs: 20, shardMap: { minIntervalMs: 100 }, misplacedAggregates: policy, ordered });
      const maps: ShardMapEvent[] = [];
      const misplacedEvents: MisplacedAggregateEvent[] = [];
      producer.on('shard-map', (e) => maps.push(e));
      producer.on('misplaced-aggregate', (e) => misplacedEvents.push(e));
      const keys = Array.from({ length: 64 }, (_, i) => `dev-${i}`);
      const puts: Array<Promise<PutResult>> = [];
      let n = 0;
      const produce = async (waves: number): Promise<void> => {
        for (let w = 0; w < waves; w++) {
          for (const key of keys) puts.push(producer.put({ partitionKey: key, data: `${key}:${n++}` }));
          await sleep(10);
        }
      };
      await produce(20);
      await client.send(
        new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }),
      );
      await produce(40);
      const results = await Promise.all(puts);
      await producer.close();
      const read = await readStream(client, stream, hashKeyOf);
      // The map went from the parent to its two children, and records after the refresh went to the children.
      expect(maps[0]).toEqual(expect.objectContaining({ version: 1, shards: 1 }));
      expect(maps.at(-1)).toEqual(expect.objectContaining({ shards: 2, complete: true, changed: true }));
      const children = new Set(read.shards.filter((s) => s.ParentShardId === 'shardId-000000000000').map((s) => s.ShardId));
      expect(children.size).toBe(2);
      expect(children.has(results.at(-1)?.shardId)).toBe(true);
      // The first aggregate sent after the split was built for the parent: its 64 keys span both children.
      expect(read.misplacedAggregates.length).toBeGreaterThan(0);
      // Every aggregate a KCL would drop was reported, with the right action.
      expect(misplacedEvents.map((e) => `${e.actualShardId}/${e.sequenceNumber}`).sort()).toEqual(
        read.misplacedAggregates.map((m) => `${m.shardId}/${m.sequenceNumber}`).sort(),
      );
      expect(misplacedEvents.every((e) => e.action === (policy === 'resend' ? 'resent' : 'reported'))).toBe(true);
      const kcl = kclView(read);
      if (policy === 'report') {
        // Stored exactly once; a KCL loses what was reported.
        expect(read.records).toHaveLength(puts.length);
        expect(duplicatesOf(read.records)).toEqual([]);
        expect(kcl.length).toBe(puts.length - read.misplacedAggregates.reduce((s, m) => s + m.userRecords, 0));
      } else {
        // What a KCL delivers is every record exactly once, in put() order per key (ordered mode).
        expect(kcl).toHaveLength(puts.length);
        expect(duplicatesOf(kcl)).toEqual([]);
        for (const [, payloads] of payloadsByKey(kcl)) {
          const seq = payloads.map((p) => Number(p.split(':')[1]));
          expect(seq).toEqual([...seq].sort((a, b) => a - b));
        }
      }
    },
  );
});

describe('with the emulator going away', () => {
  it('records put while Kinesis is unreachable fail after their TTL, each reported to onFailure', async () => {
    const emu = await startTestEmulator();
    const client = testClient(emu.url);
    const stream = uniqueStreamName('ttl');
    await createStream(client, stream, 1);
    client.destroy();
    const failures: FailedRecord[] = [];
    const producer = producerFor(emu, stream, { recordTtlMs: 1_500, retry: { baseDelayMs: 50, maxDelayMs: 300 }, onFailure: (f) => void failures.push(...f) });
    await producer.put({ partitionKey: 'k', data: 'before' });
    await emu.close();
    const started = Date.now();
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: `lost-${i}` })));
    const elapsed = Date.now() - started;
    expect(settled.every((s) => s.status === 'rejected' && s.reason instanceof RecordExpiredError)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(5_000);
    expect(failures.map((f) => Buffer.from(f.data).toString()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `lost-${i}`).sort());
    const reason = (settled[0] as PromiseRejectedResult).reason as RecordExpiredError;
    expect(reason.context.attempts).toBeGreaterThan(1);
    expect(reason.context.lastErrorCode).toMatch(/^(ECONNREFUSED|ECONNRESET)$/);
    await producer.close();
    expect(producer.stats().bufferedRecords).toBe(0);
  });

  it('records buffered while the emulator restarts (same port, same data dir) arrive once it is back within the TTL', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'producer-restart-'));
    let emu = await startTestEmulator({ dataDir });
    const port = emu.port;
    try {
      let client = testClient(emu.url);
      const stream = uniqueStreamName('restart');
      await createStream(client, stream, 2);
      client.destroy();
      const failures: FailedRecord[] = [];
      const producer = producerFor(emu, stream, { recordTtlMs: 20_000, retry: { baseDelayMs: 50, maxDelayMs: 400 }, onFailure: (f) => void failures.push(...f) });
      await Promise.all(Array.from({ length: 50 }, (_, i) => producer.put({ partitionKey: `d${i % 5}`, data: `before-${i}` })));
      await emu.close();
      const during = Array.from({ length: 200 }, (_, i) => producer.put({ partitionKey: `d${i % 5}`, data: `during-${i}` }));
      await sleep(1_000);
      expect(producer.stats().bufferedRecords).toBe(200);
      emu = await startTestEmulator({ dataDir, port });
      const results = await Promise.all(during);
      expect(results.every((r) => r.attempts > 1)).toBe(true);
      await producer.close();
      expect(failures).toEqual([]);
      client = testClient(emu.url);
      const read = await readStream(client, stream, hashKeyOf);
      client.destroy();
      expect(read.records).toHaveLength(250);
      expect(duplicatesOf(read.records)).toEqual([]);
    } finally {
      await emu.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
