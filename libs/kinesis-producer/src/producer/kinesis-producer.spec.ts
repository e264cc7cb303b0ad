/**
 * The producer's orchestration on a fake clock against an in-memory Kinesis (testing/fake-kinesis-client.ts),
 * where every failure can be placed exactly. The same behaviours run against the real emulator in
 * kinesis-producer.int.spec.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { hashKeyOf } from '@tributary/partitioning';
import { KinesisProducer } from './kinesis-producer';
import { ProducerError, RecordExpiredError, RecordRejectedError } from '../errors';
import type { ProducerEventMap } from './producer-events';
import type { KinesisProducerOptions } from './producer-options';
import type { FailedRecord, PutResult } from './producer-types';
import { FakeKinesisClient, networkError, serviceError, type StoredRecord } from '../testing/fake-kinesis-client';
import { unitProducer } from '../testing/producer-unit-kit';
import { FakeTimers } from '@tributary/runtime/testing';
import { encodeSingleKeyAggregate } from '@tributary/kpl';
import { referenceDeaggregate } from '@tributary/kpl/testing';

interface Harness {
  producer: KinesisProducer;
  client: FakeKinesisClient;
  timers: FakeTimers;
  failures: FailedRecord[];
  events: { [K in keyof ProducerEventMap]: Array<ProducerEventMap[K]> };
}

function harness(options: Partial<KinesisProducerOptions> = {}, shards = 1, client = new FakeKinesisClient(shards)): Harness {
  const timers = new FakeTimers(undefined, 5);
  const failures: FailedRecord[] = [];
  const producer = unitProducer(client, timers, {
    onFailure: (f) => {
      failures.push(...f);
    },
    ...options,
  });
  const events = {
    'records-put': [],
    retry: [],
    throttle: [],
    failure: [],
    'request-error': [],
    'wrong-shard': [],
    'misplaced-aggregate': [],
    'shard-map': [],
    'shard-map-error': [],
    backpressure: [],
  } as Harness['events'];
  for (const name of Object.keys(events) as Array<keyof ProducerEventMap>) {
    producer.on(name, (e) => (events[name] as unknown[]).push(e));
  }
  return { producer, client, timers, failures, events };
}

/** Every user record Kinesis stored, deaggregated with aws-kinesis-agg, in stream order. */
function userRecords(stored: StoredRecord[]): Array<{ shardId: string; partitionKey: string; data: string; aggregated: boolean }> {
  return stored.flatMap((s) =>
    referenceDeaggregate({ data: s.data, partitionKey: s.partitionKey, explicitHashKey: s.explicitHashKey }).map((u) => ({
      shardId: s.shardId,
      partitionKey: u.partitionKey,
      data: u.data.toString(),
      aggregated: u.subSequenceNumber !== undefined,
    })),
  );
}

const settledOf = <T>(p: Promise<T>): { value?: T; error?: unknown; done: boolean } => {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (v) => Object.assign(state, { value: v, done: true }),
    (e: unknown) => Object.assign(state, { error: e, done: true }),
  );
  return state;
};

describe('KinesisProducer: aggregation and collection', () => {
  it('aggregates per predicted shard only, and every sub-record hashes into the shard that stored it', async () => {
    const h = harness({}, 4);
    const puts = Array.from({ length: 400 }, (_, i) => h.producer.put({ partitionKey: `device-${i % 40}`, data: `reading-${i}` }));
    await h.timers.advance(100);
    const results = await Promise.all(puts);
    const stored = h.client.stored;
    // 4 shards, 400 small records: one aggregate per shard.
    expect(stored).toHaveLength(4);
    expect(h.client.calls).toHaveLength(1);
    for (const s of stored) {
      expect(s.partitionKey).toBe('a');
      const range = h.client.rangeOf(s.shardId);
      for (const u of referenceDeaggregate({ data: s.data, partitionKey: s.partitionKey, explicitHashKey: s.explicitHashKey })) {
        const hash = hashKeyOf(u.partitionKey);
        expect(hash >= range.start && hash <= range.end).toBe(true);
      }
    }
    const users = userRecords(stored);
    expect(users.map((u) => u.data).sort()).toEqual(Array.from({ length: 400 }, (_, i) => `reading-${i}`).sort());
    // Each promise says where its record is: shard, sequence number of the aggregate, position in it.
    for (let i = 0; i < 400; i++) {
      const r = results[i];
      const holder = stored.find((s) => s.sequenceNumber === r.sequenceNumber) as StoredRecord;
      expect(holder.shardId).toBe(r.shardId);
      const inside = referenceDeaggregate({ data: holder.data, partitionKey: 'a' });
      expect(inside[r.subSequenceNumber as number].data.toString()).toBe(`reading-${i}`);
      expect(r.attempts).toBe(1);
    }
    await h.producer.close();
  });

  it('sends a preAggregated record as put, never inside another aggregate, with aggregation on', async () => {
    const h = harness({}, 1);
    const built = encodeSingleKeyAggregate('12345.5', [Buffer.from('x1'), Buffer.from('x2')]);
    const puts = [
      h.producer.put({ partitionKey: 'k1', data: 'a' }),
      h.producer.put({ partitionKey: '12345.5', data: built, preAggregated: true }),
      h.producer.put({ partitionKey: 'k2', data: 'b' }),
    ];
    await h.timers.advance(100);
    await Promise.all(puts);
    const mine = h.client.stored.find((s) => s.partitionKey === '12345.5') as StoredRecord;
    expect(Buffer.from(mine.data)).toEqual(built);
    expect(userRecords(h.client.stored).map((u) => [u.partitionKey, u.data])).toEqual([
      ['k1', 'a'],
      ['12345.5', 'x1'],
      ['12345.5', 'x2'],
      ['k2', 'b'],
    ]);
    await h.producer.close();
  });

  it('waits maxBufferedTimeMs before sending, then sends', async () => {
    const h = harness({ maxBufferedTimeMs: 100 });
    const p = settledOf(h.producer.put({ partitionKey: 'k', data: 'v' }));
    await h.timers.advance(99);
    expect(h.client.calls).toHaveLength(0);
    await h.timers.advance(1);
    expect(h.client.calls).toHaveLength(1);
    expect(p.done).toBe(true);
    // A single record goes raw: its own partition key, no magic.
    expect(h.client.stored[0].partitionKey).toBe('k');
    expect(h.client.stored[0].data.toString()).toBe('v');
    expect((p.value as PutResult).subSequenceNumber).toBeUndefined();
  });

  it('without aggregation: calls of at most 500 records, sent as soon as 500 are queued', async () => {
    const h = harness({ aggregation: false, shardLimits: { recordsPerSecond: 1e9, bytesPerSecond: 1e12 } }, 2);
    const puts = Array.from({ length: 1234 }, (_, i) => h.producer.put({ partitionKey: `k${i}`, data: 'x' }));
    await h.timers.settle();
    // Two full calls go at once; the remaining 234 wait for the linger time.
    expect(h.client.calls.map((c) => c.length)).toEqual([500, 500]);
    await h.timers.advance(100);
    expect(h.client.calls.map((c) => c.length)).toEqual([500, 500, 234]);
    await Promise.all(puts);
    expect(h.client.stored.every((s) => s.partitionKey !== 'a')).toBe(true);
  });

  it('calls stay within 5 MiB counting partition keys, and aggregates within aggregationMaxBytes', async () => {
    const h = harness({ shardLimits: { recordsPerSecond: 1e9, bytesPerSecond: 1e12 } }, 1);
    const data = Buffer.alloc(900 * 1024, 7); // 0.9 MiB: too big to aggregate with another
    const big = Array.from({ length: 12 }, (_, i) => h.producer.put({ partitionKey: `big-${i}`, data }));
    const small = Array.from({ length: 2000 }, (_, i) => h.producer.put({ partitionKey: `s-${i % 10}`, data: Buffer.alloc(100, i % 256) }));
    await h.producer.flush();
    await Promise.all([...big, ...small]);
    for (const call of h.client.calls) {
      const bytes = call.reduce((n, e) => n + (e.Data as Uint8Array).length + Buffer.byteLength(e.PartitionKey as string), 0);
      expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
      expect(call.length).toBeLessThanOrEqual(500);
      for (const e of call) if (e.PartitionKey === 'a') expect((e.Data as Uint8Array).length + 1).toBeLessThanOrEqual(51_200);
    }
    expect(userRecords(h.client.stored)).toHaveLength(2012);
  });
});

describe('KinesisProducer: retries, throttling, time-to-live', () => {
  it('retries only the entries that failed, after a backoff', async () => {
    const h = harness({ aggregation: false, retry: { baseDelayMs: 100, maxDelayMs: 1000 } });
    h.client.entryOutcome = (_e, i, call) => (call === 1 && i === 1 ? 'internal' : 'ok');
    const puts = ['a', 'b', 'c'].map((k) => h.producer.put({ partitionKey: k, data: k }));
    await h.timers.advance(100);
    expect(h.client.calls.map((c) => c.map((e) => e.PartitionKey))).toEqual([['a', 'b', 'c']]);
    // random() = 0.5 → half of the 100 ms ceiling.
    expect(h.events.retry).toEqual([
      expect.objectContaining({ userRecords: 1, kinesisRecords: 1, code: 'InternalFailure', kind: 'transient', delayMs: 50, attempt: 2 }),
    ]);
    await h.timers.advance(49);
    expect(h.client.calls).toHaveLength(1);
    await h.timers.advance(1);
    expect(h.client.calls.map((c) => c.map((e) => e.PartitionKey))).toEqual([['a', 'b', 'c'], ['b']]);
    const results = await Promise.all(puts);
    expect(results.map((r) => r.attempts)).toEqual([1, 2, 1]);
    expect(h.client.stored.map((s) => s.partitionKey).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a throttled shard slows down (AIMD) and retries without a tight loop', async () => {
    const h = harness({ aggregation: false });
    let throttled = 0;
    h.client.entryOutcome = () => (throttled++ < 50 ? 'throttle' : 'ok');
    const puts = Array.from({ length: 10 }, (_, i) => h.producer.put({ partitionKey: `k${i}`, data: 'x' }));
    await h.timers.advanceUntil(() => h.client.stored.length === 10, 50);
    await Promise.all(puts);
    expect(h.events.throttle.length).toBeGreaterThan(0);
    expect(h.events.throttle[0]).toEqual(expect.objectContaining({ shardId: 'shardId-000000000000', cut: true, rateFactor: 0.7 }));
    // 50 throttled entries over 10 records: every call was preceded by a backoff; far fewer calls than a spin.
    expect(h.client.calls.length).toBeLessThan(30);
    expect(h.producer.stats().totals.throttles).toBe(50);
  });

  it('a record that cannot be delivered within its TTL is rejected and handed to onFailure, not dropped', async () => {
    const h = harness({ recordTtlMs: 2_000, retry: { baseDelayMs: 100, maxDelayMs: 400 } });
    h.client.callError = () => networkError('ECONNREFUSED');
    const putAt = h.timers.now();
    const p = settledOf(h.producer.put({ partitionKey: 'k', data: 'lost?' }));
    await h.timers.advance(1_999);
    expect(p.done).toBe(false);
    const callsBefore = h.client.calls.length;
    expect(callsBefore).toBeGreaterThan(3);
    // Backoff keeps the attempts few: at most one per 50 ms on average here, never a spin.
    expect(callsBefore).toBeLessThan(40);
    await h.timers.advance(100);
    expect(p.done).toBe(true);
    expect(p.error).toBeInstanceOf(RecordExpiredError);
    const err = p.error as RecordExpiredError;
    expect(err.code).toBe('RECORD_EXPIRED');
    expect(err.retriable).toBe(true);
    expect(err.context).toEqual(expect.objectContaining({ streamName: 'unit', lastErrorCode: 'ECONNREFUSED', firstErrorCode: 'ECONNREFUSED' }));
    expect(h.failures).toHaveLength(1);
    expect(h.failures[0]).toEqual(expect.objectContaining({ partitionKey: 'k', error: err, putAt }));
    expect(Buffer.from(h.failures[0].data).toString()).toBe('lost?');
    expect(h.events.failure).toEqual([expect.objectContaining({ records: 1, code: 'RECORD_EXPIRED', lastErrorCode: 'ECONNREFUSED' })]);
    expect(h.producer.stats().bufferedRecords).toBe(0);
    await h.timers.advance(10_000);
    expect(h.client.calls.length).toBe(callsBefore); // nothing more is sent
  });

  it('with onFailure set, a put() whose rejection nobody observes does not raise unhandledRejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const h = harness({ recordTtlMs: 500 });
      h.client.callError = () => networkError('ECONNREFUSED');
      void h.producer.put({ partitionKey: 'k', data: 'fire and forget' });
      await h.timers.advance(1_000);
      await sleep(20);
      expect(h.failures).toHaveLength(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a non-retriable error rejects at once with RECORD_REJECTED', async () => {
    const h = harness();
    h.client.callError = () => serviceError('ResourceNotFoundException', 400, 'Stream unit under account 000000000000 not found.');
    const p = settledOf(h.producer.put({ partitionKey: 'k', data: 'x' }));
    await h.timers.advance(100);
    expect(p.error).toBeInstanceOf(RecordRejectedError);
    expect((p.error as ProducerError).retriable).toBe(false);
    expect((p.error as RecordRejectedError).context.lastErrorCode).toBe('ResourceNotFoundException');
    expect(h.failures).toHaveLength(1);
    expect(h.client.calls).toHaveLength(1);
  });

  it('a call that times out is aborted and its records are retried', async () => {
    const h = harness({ requestTimeoutMs: 1_000 });
    let first = true;
    const realSend = h.client.send.bind(h.client) as (c: unknown, o?: { abortSignal?: AbortSignal }) => Promise<unknown>;
    (h.client as unknown as { send: unknown }).send = (command: unknown, options?: { abortSignal?: AbortSignal }) => {
      if (!first || !(command instanceof PutRecordsCommand)) return realSend(command, options);
      first = false;
      return new Promise((_resolve, reject) => options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    };
    const p = h.producer.put({ partitionKey: 'k', data: 'x' });
    await h.timers.advance(100 + 1_000 + 100);
    await expect(p).resolves.toEqual(expect.objectContaining({ attempts: 2 }));
    expect(h.events['request-error']).toEqual([expect.objectContaining({ code: 'AbortError', kind: 'transient' })]);
  });
});

describe('KinesisProducer: ordered mode', () => {
  it('never reorders the records of one key, whatever fails', async () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const h = harness({ ordered: true, aggregation: false, random, shardLimits: { recordsPerSecond: 1e9, bytesPerSecond: 1e12 } }, 2);
    h.client.entryOutcome = () => (random() < 0.3 ? 'internal' : random() < 0.1 ? 'throttle' : 'ok');
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const puts: Array<Promise<PutResult>> = [];
    for (let i = 0; i < 500; i++) puts.push(h.producer.put({ partitionKey: keys[i % keys.length], data: String(i) }));
    await h.timers.advanceUntil(() => h.client.stored.length === 500, 20);
    await Promise.all(puts);
    for (const key of keys) {
      const seen = h.client.stored.filter((s) => s.partitionKey === key).map((s) => Number(s.data.toString()));
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(seen).toHaveLength(100);
    }
  });

  it('keeps at most one call in flight per shard and one Kinesis record per key per call', async () => {
    const h = harness({ ordered: true, aggregation: false });
    let inFlight = 0;
    let maxInFlight = 0;
    const realSend = h.client.send.bind(h.client) as (c: unknown) => Promise<unknown>;
    (h.client as unknown as { send: unknown }).send = async (command: unknown) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      try {
        return await realSend(command);
      } finally {
        inFlight--;
      }
    };
    const puts = Array.from({ length: 30 }, (_, i) => h.producer.put({ partitionKey: i % 3 === 0 ? 'same' : `k${i}`, data: String(i) }));
    await h.timers.advanceUntil(() => h.client.stored.length === 30, 20);
    await Promise.all(puts);
    expect(maxInFlight).toBe(1);
    for (const call of h.client.calls) {
      const keys = call.map((e) => e.PartitionKey);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('with aggregation, a failed aggregate keeps its place at the head', async () => {
    const h = harness({ ordered: true });
    h.client.entryOutcome = (_e, _i, call) => (call === 1 ? 'throttle' : 'ok');
    const first = Array.from({ length: 10 }, (_, i) => h.producer.put({ partitionKey: 'dev', data: `first-${i}` }));
    await h.timers.advance(100);
    const second = Array.from({ length: 10 }, (_, i) => h.producer.put({ partitionKey: 'dev', data: `second-${i}` }));
    await h.timers.advanceUntil(() => h.client.stored.length >= 1 && userRecords(h.client.stored).length === 20, 20);
    await Promise.all([...first, ...second]);
    expect(userRecords(h.client.stored).map((u) => u.data)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `first-${i}`),
      ...Array.from({ length: 10 }, (_, i) => `second-${i}`),
    ]);
  });
});

describe('KinesisProducer: backpressure, flush and close', () => {
  it('put() waits when the buffer is full and the buffer never exceeds its bound', async () => {
    const h = harness({ maxBufferedRecords: 10, aggregation: false });
    let maxBuffered = 0;
    h.producer.on('records-put', () => (maxBuffered = Math.max(maxBuffered, h.producer.stats().bufferedRecords)));
    const puts = Array.from({ length: 25 }, (_, i) => settledOf(h.producer.put({ partitionKey: `k${i}`, data: 'x' })));
    expect(h.producer.stats()).toEqual(expect.objectContaining({ bufferedRecords: 10, waitingPuts: 15 }));
    expect(h.producer.writable).toBe(false);
    expect(h.events.backpressure).toEqual([expect.objectContaining({ waiting: true, bufferedRecords: 10, waitingPuts: 1 })]);
    let writable = false;
    void h.producer.whenWritable().then(() => (writable = true));
    await h.timers.advance(100);
    expect(h.client.calls[0]).toHaveLength(10);
    await h.timers.advanceUntil(() => puts.every((p) => p.done), 20);
    expect(writable).toBe(true);
    expect(h.events.backpressure.at(-1)).toEqual(expect.objectContaining({ waiting: false }));
    expect(Math.max(...h.client.calls.map((c) => c.length))).toBeLessThanOrEqual(10);
    expect(maxBuffered).toBeLessThanOrEqual(10);
  });

  it('a put that fills the buffer sends at once: a caller then waiting for room does not wait for the linger too', async () => {
    const h = harness({ maxBufferedRecords: 10, maxBufferedTimeMs: 10_000 }, 2);
    // The shard map is loaded, and a first record lingered and went.
    const warm = h.producer.put({ partitionKey: 'first', data: 'x' });
    await h.timers.advance(10_000);
    await warm;
    const calls = h.client.calls.length;
    const start = h.timers.now();
    const puts = Array.from({ length: 10 }, (_, i) => h.producer.put({ partitionKey: `k${i}`, data: 'x' }));
    expect(h.producer.writable).toBe(false);
    const writable = settledOf(h.producer.whenWritable());
    await h.timers.settle();
    expect(h.client.calls.length).toBeGreaterThan(calls);
    expect(writable.done).toBe(true);
    expect(h.timers.now()).toBe(start);
    await Promise.all(puts);
    await h.producer.close();
  });

  it('flush() sends at once and resolves when everything put before it has settled', async () => {
    const h = harness({ maxBufferedTimeMs: 10_000 });
    const puts = Array.from({ length: 5 }, (_, i) => h.producer.put({ partitionKey: `k${i}`, data: 'x' }));
    const flushed = settledOf(h.producer.flush());
    await h.timers.settle();
    expect(h.client.calls).toHaveLength(1);
    expect(flushed.done).toBe(true);
    await Promise.all(puts);
  });

  it('close() drains, refuses later puts, and leaves a client it was given open', async () => {
    const h = harness({ maxBufferedTimeMs: 10_000 });
    const p = h.producer.put({ partitionKey: 'k', data: 'x' });
    await h.producer.close();
    await expect(p).resolves.toEqual(expect.objectContaining({ shardId: 'shardId-000000000000' }));
    await expect(h.producer.put({ partitionKey: 'k', data: 'y' })).rejects.toEqual(expect.objectContaining({ code: 'PRODUCER_CLOSED' }));
    expect(h.client.destroyed).toBe(false);
  });

  it.each([
    ['an empty partition key', { partitionKey: '', data: 'x' }],
    ['a 257-character partition key', { partitionKey: 'k'.repeat(257), data: 'x' }],
    ['an explicit hash key above 2^128-1', { partitionKey: 'k', data: 'x', explicitHashKey: (2n ** 128n).toString() }],
    ['data above 1 MiB with the key', { partitionKey: 'k', data: Buffer.alloc(1024 * 1024) }],
    ['data that is not bytes', { partitionKey: 'k', data: 42 as unknown as string }],
  ])('refuses %s with INVALID_RECORD', async (_label, input) => {
    const h = harness();
    await expect(h.producer.put(input)).rejects.toEqual(expect.objectContaining({ code: 'INVALID_RECORD', retriable: false }));
    expect(h.failures).toHaveLength(0);
  });
});

describe('KinesisProducer: shard map', () => {
  it('refreshes the map when a record lands on an unexpected shard, without sending it again', async () => {
    const h = harness({}, 1);
    const first = Array.from({ length: 20 }, (_, i) => h.producer.put({ partitionKey: `dev-${i}`, data: `one-${i}` }));
    await h.timers.advance(100);
    await Promise.all(first);
    expect(h.events['shard-map']).toEqual([expect.objectContaining({ version: 1, shards: 1, changed: true })]);
    const [left, right] = h.client.split('shardId-000000000000');
    // Aggregated with the old map, so its sub-records span both children: it lands on one of them.
    const second = Array.from({ length: 20 }, (_, i) => h.producer.put({ partitionKey: `dev-${i}`, data: `two-${i}` }));
    await h.timers.advance(100);
    const results = await Promise.all(second);
    expect(h.events['wrong-shard']).toEqual([expect.objectContaining({ predictedShardId: 'shardId-000000000000', userRecords: 20, aggregated: true })]);
    expect(new Set(results.map((r) => r.shardId)).size).toBe(1);
    await h.timers.advance(1_000);
    expect(h.events['shard-map'].at(-1)).toEqual(expect.objectContaining({ version: 2, shards: 2, changed: true, reason: 'wrong-shard' }));
    // After the refresh, aggregates follow the children again.
    const third = Array.from({ length: 20 }, (_, i) => h.producer.put({ partitionKey: `dev-${i}`, data: `three-${i}` }));
    await h.timers.advance(100);
    const placed = await Promise.all(third);
    for (let i = 0; i < 20; i++) expect(placed[i].shardId).toBe(h.client.shardOf(hashKeyOf(`dev-${i}`)));
    expect(new Set(placed.map((r) => r.shardId))).toEqual(new Set([left, right]));
    // Nothing was sent twice: 60 user records stored, 60 puts.
    expect(userRecords(h.client.stored)).toHaveLength(60);
    expect(h.producer.stats().totals.wrongShard).toBe(1);
  });

  it.each([
    ['report', 'reported', 40],
    ['resend', 'resent', 60],
  ] as const)(
    "misplacedAggregates: '%s' — an aggregate that a split left on a child not owning all its records is %s",
    async (policy, action, storedUserRecords) => {
      const h = harness({ misplacedAggregates: policy }, 1);
      const first = Array.from({ length: 20 }, (_, i) => h.producer.put({ partitionKey: `dev-${i}`, data: `one-${i}` }));
      await h.timers.advance(100);
      await Promise.all(first);
      h.client.split('shardId-000000000000');
      const second = Array.from({ length: 20 }, (_, i) => settledOf(h.producer.put({ partitionKey: `dev-${i}`, data: `two-${i}` })));
      await h.timers.advance(100);
      if (policy === 'resend') expect(second.some((p) => p.done)).toBe(false); // held until the map says where they belong
      await h.timers.advanceUntil(() => second.every((p) => p.done), 50);
      await h.timers.advance(1_000); // the refresh that checks the placement
      const users = h.client.stored.flatMap((s) => referenceDeaggregate({ data: s.data, partitionKey: s.partitionKey, explicitHashKey: s.explicitHashKey }));
      expect(users).toHaveLength(storedUserRecords);
      const event = h.events['misplaced-aggregate'][0];
      expect(event).toEqual(expect.objectContaining({ predictedShardId: 'shardId-000000000000', userRecords: 20, action }));
      expect(event.outsideRecords).toBeGreaterThan(0);
      expect(event.outsideRecords).toBeLessThan(20);
      // With 'resend', every record of the second wave ends up on the child that owns it.
      for (let i = 0; i < 20; i++) {
        const result = second[i].value as PutResult;
        if (policy === 'resend') expect(result.shardId).toBe(h.client.shardOf(hashKeyOf(`dev-${i}`)));
        else expect(result.shardId).toBe(event.actualShardId);
      }
    },
  );

  it('without ListShards (e.g. not allowed) records still go, unaggregated', async () => {
    const h = harness({}, 2);
    h.client.listShardsError = () => serviceError('AccessDeniedException', 400);
    const puts = Array.from({ length: 10 }, (_, i) => h.producer.put({ partitionKey: `k${i}`, data: 'x' }));
    await h.timers.advance(100);
    await Promise.all(puts);
    expect(h.client.stored).toHaveLength(10);
    expect(h.client.stored.every((s) => s.partitionKey !== 'a')).toBe(true);
    expect(h.events['shard-map-error'][0]).toEqual(expect.objectContaining({ code: 'AccessDeniedException', consecutiveFailures: 1 }));
  });
});

describe('KinesisProducer: options', () => {
  it.each([
    [{}, 'streamName'],
    [{ streamName: 'bad name!' }, 'streamName'],
    [{ streamName: 's', collectionMaxCount: 501 }, 'collectionMaxCount'],
    [{ streamName: 's', maxBufferedTime: 5 }, 'maxBufferedTime'],
    [{ streamName: 's', retry: { baseDelayMs: 10, maxDelayMs: 5 } }, 'retry.maxDelayMs'],
    [{ streamName: 's', throttling: { decreaseFactor: 2 } }, 'throttling.decreaseFactor'],
  ])('refuses %j naming %s', (options, setting) => {
    expect(() => new KinesisProducer({ client: new FakeKinesisClient(), ...(options as KinesisProducerOptions) })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(setting) }),
    );
  });

  it('accepts a stream ARN', async () => {
    const h = harness({ streamName: undefined, streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/by-arn' });
    await h.producer.close();
    expect(h.producer.stats().totals.putRecordsCalls).toBe(0);
  });
});
