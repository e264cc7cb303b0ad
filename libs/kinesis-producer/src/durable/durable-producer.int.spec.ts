/**
 * DurableProducer against the real emulator, which goes away and comes back on the same port and data directory
 * (issue 12: Kinesis unreachable for 61 s lost the telemetry of the first 30 s). Scaled down so that the test runs
 * in seconds with the same behaviour: a record TTL of 400 ms and an outage of 4 s (ten TTLs, as 5 minutes is ten
 * 30-second TTLs); the buffer, the spill on expiry, the replay and the per-key order are the code paths of a real
 * outage, only the numbers are smaller.
 *
 * Checked per device against what GetRecords returns (deaggregated by aws-kinesis-agg): every record accepted is in
 * the stream, in put() order. Kinesis is at-least-once: a call whose answer was cut by the emulator's shutdown may
 * have been stored and is sent again, so a record may appear twice, right after itself (never out of order); the
 * count of such duplicates is asserted small and printed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningEmulator } from '@tributary/emulator';
import { hashKeyOf } from '@tributary/partitioning';
import { DurableProducer } from './durable-producer';
import type { KinesisProducer } from '../producer/kinesis-producer';
import { createStream, emulatorProducer, readStream, startTestEmulator, testClient, uniqueStreamName } from '../testing/producer-test-kit';
import { waitUntil } from '@tributary/runtime/testing';

const DEVICES = 10;

describe('DurableProducer with the emulator going away', () => {
  let dataDir: string;
  let bufferDir: string;
  let emu: RunningEmulator;
  let port: number;
  let stream: string;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-int-emu-'));
    bufferDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-int-buffer-'));
    emu = await startTestEmulator({ dataDir });
    port = emu.port;
    stream = uniqueStreamName('durable');
    const client = testClient(emu.url);
    await createStream(client, stream, 2);
    client.destroy();
  });

  afterEach(async () => {
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(bufferDir, { recursive: true, force: true });
  });

  const open = (): { producer: KinesisProducer; durable: DurableProducer } => {
    const producer = emulatorProducer(
      emu.url,
      stream,
      {
        ordered: true,
        expireBehind: true,
        recordTtlMs: 400,
        requestTimeoutMs: 1_000,
        maxBufferedTimeMs: 20,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        shardMap: { minIntervalMs: 200 },
        onFailure: () => undefined,
      },
      { connectionTimeoutMs: 300 },
    );
    const durable = new DurableProducer({ producer, buffer: { dir: bufferDir, replayPauseMs: 200 } });
    return { producer, durable };
  };

  /** Every device puts `dev-d:n`, n counting up, one device every `everyMs`, for `forMs`. */
  const produce = async (durable: DurableProducer, counters: number[], forMs: number, everyMs = 5): Promise<Array<Promise<unknown>>> => {
    const puts: Array<Promise<unknown>> = [];
    const end = Date.now() + forMs;
    for (let i = 0; Date.now() < end; i++) {
      const d = i % DEVICES;
      puts.push(durable.put({ partitionKey: `dev-${d}`, data: `dev-${d}:${counters[d]++}` }));
      await sleep(everyMs);
    }
    return puts;
  };

  /** Per device, the numbers read back; duplicates (at-least-once) counted and removed when adjacent. */
  const readBack = async (): Promise<{ byDevice: Map<string, number[]>; duplicates: number }> => {
    const client = testClient(emu.url);
    const read = await readStream(client, stream, hashKeyOf);
    client.destroy();
    const byDevice = new Map<string, number[]>();
    let duplicates = 0;
    for (const r of read.records) {
      const [device, n] = r.data.split(':');
      const list = byDevice.get(device) ?? [];
      if (list.includes(Number(n))) {
        duplicates++;
        expect({ device, n: Number(n), last: list.at(-1) }).toEqual({ device, n: Number(n), last: Number(n) });
        continue;
      }
      list.push(Number(n));
      byDevice.set(device, list);
    }
    return { byDevice, duplicates };
  };

  const expectAllInOrder = (byDevice: Map<string, number[]>, counters: number[]): void => {
    for (let d = 0; d < DEVICES; d++) {
      expect({ device: d, ns: byDevice.get(`dev-${d}`) }).toEqual({ device: d, ns: Array.from({ length: counters[d] }, (_, i) => i) });
    }
  };

  it('an outage of ten TTLs: every record accepted arrives, each device in order', async () => {
    const { producer, durable } = open();
    const counters = new Array<number>(DEVICES).fill(0);
    const puts = await produce(durable, counters, 1_000);
    await emu.close();
    puts.push(...(await produce(durable, counters, 4_000)));
    expect(durable.stats().mode).toBe('spilling');
    expect(durable.stats().bufferedRecords).toBeGreaterThan(100);
    emu = await startTestEmulator({ dataDir, port });
    puts.push(...(await produce(durable, counters, 1_000)));
    await waitUntil('the buffer replayed', () => durable.stats().mode === 'direct' && durable.stats().bufferedRecords === 0);
    const outcomes = (await Promise.all(puts)) as Array<{ status: string }>;
    const buffered = outcomes.filter((o) => o.status === 'buffered').length;
    await durable.close();
    await producer.close();
    const { byDevice, duplicates } = await readBack();
    expectAllInOrder(byDevice, counters);
    const total = counters.reduce((a, b) => a + b, 0);
    process.stdout.write(`durable int: ${total} records, ${buffered} buffered, ${durable.stats().totals.replayed} replayed, ${duplicates} duplicates\n`);
    expect(duplicates).toBeLessThanOrEqual(50);
    expect(durable.stats().totals.dropped).toEqual({ 'max-bytes': 0, 'max-age': 0, rejected: 0 });
  }, 30_000);

  it('a producer restarted in the middle of the outage replays the buffer of the first one', async () => {
    const counters = new Array<number>(DEVICES).fill(0);
    const first = open();
    const firstPuts = await produce(first.durable, counters, 500);
    await emu.close();
    firstPuts.push(...(await produce(first.durable, counters, 1_500)));
    // Shutdown mid-outage: what is still in memory expires into the buffer, then the process "exits".
    await first.durable.close();
    await first.producer.close();
    await Promise.all(firstPuts);
    const left = first.durable.stats().bufferedRecords;
    expect(left).toBeGreaterThan(100);

    const second = open();
    expect(second.durable.stats()).toEqual(expect.objectContaining({ mode: 'spilling', bufferedRecords: left }));
    const secondPuts = await produce(second.durable, counters, 500);
    emu = await startTestEmulator({ dataDir, port });
    secondPuts.push(...(await produce(second.durable, counters, 500)));
    await waitUntil('the buffer replayed', () => second.durable.stats().mode === 'direct' && second.durable.stats().bufferedRecords === 0);
    await Promise.all(secondPuts);
    await second.durable.close();
    await second.producer.close();
    const { byDevice, duplicates } = await readBack();
    expectAllInOrder(byDevice, counters);
    expect(duplicates).toBeLessThanOrEqual(50);
  }, 30_000);
});
