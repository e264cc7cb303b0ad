/**
 * DurableProducer on a fake clock against the in-memory Kinesis, with its buffer in a temporary directory.
 * Issue 12: in a one-minute outage, telemetry of the first 30 s was lost (the record TTL was a fixed 30 s and there
 * was no disk buffer). Here a 5-minute outage, real TTL (30 s) and real durations on the fake clock: nothing is
 * lost, nothing is stored twice, each device's records arrive in put() order; and a producer restarted in the middle
 * of the outage replays what its predecessor buffered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeTimers } from '@tributary/runtime/testing';
import { DurableProducer, type DurablePutResult } from './durable-producer';
import { KinesisProducer } from '../producer/kinesis-producer';
import type { KinesisProducerOptions } from '../producer/producer-options';
import { FakeKinesisClient, networkError } from '../testing/fake-kinesis-client';
import { unitProducer } from '../testing/producer-unit-kit';
import { referenceDeaggregate } from '@tributary/kpl/testing';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-producer-spec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DEVICES = 20;

function producerOn(client: FakeKinesisClient, timers: FakeTimers, options: Partial<KinesisProducerOptions> = {}): KinesisProducer {
  return unitProducer(client, timers, {
    ordered: true,
    expireBehind: true,
    recordTtlMs: 30_000,
    onFailure: () => undefined,
    ...options,
  });
}

function durableOn(producer: KinesisProducer, timers: FakeTimers): DurableProducer {
  return new DurableProducer({ producer, clock: timers, timers, buffer: { dir, fsync: false, segmentBytes: 64 * 1024, replayPauseMs: 1_000 } });
}

/** Every user record stored, deaggregated, as `device → [n, …]` in stream order. */
function storedByDevice(client: FakeKinesisClient): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of client.stored) {
    for (const u of referenceDeaggregate({ data: s.data, partitionKey: s.partitionKey, explicitHashKey: s.explicitHashKey })) {
      const [device, n] = u.data.toString().split(':');
      const list = out.get(device) ?? [];
      list.push(Number(n));
      out.set(device, list);
    }
  }
  return out;
}

/** Moves the fake clock and lets real file I/O finish between steps, until `condition` holds. */
async function until(timers: FakeTimers, condition: () => boolean, stepMs = 100, maxMs = 900_000): Promise<void> {
  for (let waited = 0; !condition(); waited += stepMs) {
    if (waited > maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
    await timers.advance(stepMs);
    await sleep(1);
  }
}

/**
 * `DEVICES` devices, each putting `device:n` with n counting up: one record every `everyMs` (50 records/s at
 * 20 ms), devices in turn, so the two shards' records have different deadlines and expire in different pumps (a
 * device's older records can still be in memory on one shard when another shard's expiry starts the spilling).
 */
async function produce(
  timers: FakeTimers,
  put: (device: string, n: number) => Promise<unknown>,
  counters: number[],
  forMs: number,
  everyMs = 20,
): Promise<Array<Promise<unknown>>> {
  const puts: Array<Promise<unknown>> = [];
  for (let t = 0, i = 0; t < forMs; t += everyMs, i++) {
    const device = i % DEVICES;
    puts.push(put(`dev-${device}`, counters[device]++));
    await timers.advance(everyMs);
    if (i % 100 === 0) await sleep(1);
  }
  return puts;
}

function expectEveryRecordOnceInOrder(stored: Map<string, number[]>, counters: number[]): void {
  for (let d = 0; d < DEVICES; d++) {
    const expected = Array.from({ length: counters[d] }, (_, i) => i);
    expect({ device: d, ns: stored.get(`dev-${d}`) ?? [] }).toEqual({ device: d, ns: expected });
  }
}

describe('DurableProducer', () => {
  it.each([
    ['a 5-minute outage', 300_000],
    // Ends 15 s after the first expiry: records put later in the outage are still in memory when Kinesis is back
    // (without expireBehind they went out ahead of their devices' spilled records).
    ['a 45 s outage (ends while younger records are still in memory)', 45_000],
  ])('%s with a 30 s record TTL: every record accepted arrives once, each device in order', async (_name, outageMs) => {
    const timers = new FakeTimers(undefined, 3);
    const client = new FakeKinesisClient(2);
    const producer = producerOn(client, timers);
    const durable = durableOn(producer, timers);
    const counters = new Array<number>(DEVICES).fill(0);
    const put = (device: string, n: number): Promise<DurablePutResult> => durable.put({ partitionKey: device, data: `${device}:${n}` });
    const results: Array<Promise<unknown>> = [];
    results.push(...(await produce(timers, put, counters, 10_000)));
    let down = true;
    client.callError = () => (down ? networkError('ECONNREFUSED') : undefined);
    results.push(...(await produce(timers, put, counters, outageMs)));
    expect(durable.stats().mode).toBe('spilling');
    expect(durable.stats().bufferedRecords).toBeGreaterThan(((outageMs - 30_000) / 1000) * 50);
    down = false;
    // Back to sending directly while the devices keep producing (waiting for an empty buffer never ended). How much
    // fake time the replay takes depends on the real file I/O between steps, so production goes on until then.
    for (let chunk = 0; chunk < 120 && durable.stats().mode !== 'direct'; chunk++) results.push(...(await produce(timers, put, counters, 5_000)));
    expect(durable.stats().mode).toBe('direct');
    results.push(...(await produce(timers, put, counters, 5_000)));
    let settled = false;
    const all = Promise.all(results).finally(() => (settled = true));
    await until(timers, () => settled && durable.stats().mode === 'direct' && durable.stats().bufferedRecords === 0);
    const outcomes = (await all) as DurablePutResult[];
    // Every put() resolved: delivered at once, or buffered and delivered later. None rejected.
    expect(outcomes.filter((o) => o.status === 'buffered').length).toBeGreaterThanOrEqual((outageMs / 1000) * 50 * 0.9);
    const stats = durable.stats();
    expect(stats.totals.dropped).toEqual({ 'max-bytes': 0, 'max-age': 0, rejected: 0 });
    expect(stats.totals.replayed).toBe(stats.totals.spilled);
    expectEveryRecordOnceInOrder(storedByDevice(client), counters);
    await durable.close();
    await producer.close();
  }, 30_000);

  it('without the durable buffer the same outage loses what outlives the TTL (the behaviour of issue 12)', async () => {
    const timers = new FakeTimers(undefined, 3);
    const client = new FakeKinesisClient(2);
    const producer = producerOn(client, timers);
    const counters = new Array<number>(DEVICES).fill(0);
    client.callError = () => networkError('ECONNREFUSED');
    const puts = await produce(timers, (device, n) => producer.put({ partitionKey: device, data: `${device}:${n}` }).then(() => 'ok', () => 'lost'), counters, 60_000);
    client.callError = () => undefined;
    await until(timers, () => producer.stats().bufferedRecords === 0);
    const outcomes = await Promise.all(puts);
    expect(outcomes.filter((o) => o === 'lost').length).toBeGreaterThan(1_000);
    await producer.close();
  });

  it('a producer restarted in the middle of the outage replays what the first one buffered, before its own records', async () => {
    const timers = new FakeTimers(undefined, 3);
    const client = new FakeKinesisClient(2);
    client.callError = () => networkError('ECONNREFUSED');
    const counters = new Array<number>(DEVICES).fill(0);
    const first = producerOn(client, timers);
    const firstDurable = durableOn(first, timers);
    const firstPuts = await produce(timers, (device, n) => firstDurable.put({ partitionKey: device, data: `${device}:${n}` }), counters, 60_000);
    // Stop mid-outage: close() waits until the records still in memory have expired into the buffer.
    const closed = Promise.all([firstDurable.close().then(() => first.close()), ...firstPuts]);
    let done = false;
    void closed.then(() => (done = true));
    await until(timers, () => done);
    expect(client.stored).toHaveLength(0);
    const buffered = firstDurable.stats().bufferedRecords;
    expect(buffered).toBe(counters.reduce((a, b) => a + b, 0));

    // The next run: still down for a while, then back.
    const second = producerOn(client, timers);
    const secondDurable = durableOn(second, timers);
    expect(secondDurable.stats()).toEqual(expect.objectContaining({ mode: 'spilling', bufferedRecords: buffered }));
    const secondPuts = await produce(timers, (device, n) => secondDurable.put({ partitionKey: device, data: `${device}:${n}` }), counters, 20_000);
    client.callError = () => undefined;
    await until(timers, () => secondDurable.stats().mode === 'direct' && secondDurable.stats().bufferedRecords === 0);
    await Promise.all(secondPuts);
    expectEveryRecordOnceInOrder(storedByDevice(client), counters);
    await secondDurable.close();
    await second.close();
  }, 30_000);

  it('while Kinesis stays down it keeps spilling: no switch back to direct sends on a small buffer (no flapping)', async () => {
    const timers = new FakeTimers(undefined, 3);
    const client = new FakeKinesisClient(2);
    const producer = producerOn(client, timers, { recordTtlMs: 1_000, retry: { baseDelayMs: 50, maxDelayMs: 200 } });
    const durable = new DurableProducer({ producer, clock: timers, timers, buffer: { dir, fsync: false, replayPauseMs: 100 } });
    client.callError = () => networkError('ECONNREFUSED');
    const modes = new Set<string>();
    const puts: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1_000; i++) {
      puts.push(durable.put({ partitionKey: `dev-${i % DEVICES}`, data: `x${i}` }));
      await timers.advance(20);
      if (i % 100 === 0) await sleep(1);
      if (durable.stats().totals.spilled > 0) modes.add(durable.stats().mode);
    }
    expect([...modes]).toEqual(['spilling']);
    client.callError = () => undefined;
    await until(timers, () => durable.stats().mode === 'direct' && durable.stats().bufferedRecords === 0);
    await durable.close();
    await producer.close();
  });

  it('refuses a producer that does not keep key order across expiry', () => {
    const timers = new FakeTimers();
    const producer = new KinesisProducer({ streamName: 'unit', client: new FakeKinesisClient(), clock: timers, timers, ordered: true });
    expect(() => durableOn(producer, timers)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('expireBehind') }));
  });
});
