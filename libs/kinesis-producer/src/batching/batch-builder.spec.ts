/**
 * The batch builder on its own: channels of pending records in, one PutRecords call's worth out, within the
 * call's limits (500 entries, 5 MiB), the aggregate's (aggregationMaxBytes, one shard) and the shard's (token
 * buckets), with no producer, client or timer around it. Aggregates are read back with aws-kinesis-agg.
 */
import { hashKeyOf } from '@tributary/partitioning';
import { referenceDeaggregate } from '@tributary/kpl/testing';
import { KeyInfo } from '../intake/key-info';
import { ShardRateLimiter } from '../limits/shard-rate-limiter';
import { PRODUCER_DEFAULTS, KINESIS_LIMITS } from '../defaults';
import { PendingRecord, ShardChannel } from '../routing/shard-channel';
import { BatchBuilder, LIMITER_PERIOD_MS, type BatchLimits, type QueueCounters, type RoutingView } from './batch-builder';

const LIMITS: BatchLimits = {
  aggregation: true,
  aggregationMaxBytes: PRODUCER_DEFAULTS.aggregationMaxBytes,
  collectionMaxCount: KINESIS_LIMITS.putRecordsMaxCount,
  collectionMaxBytes: KINESIS_LIMITS.putRecordsMaxBytes,
  maxBufferedTimeMs: 100,
  ordered: false,
};

let nextId = 0;

/** A record put at `at` (its linger starts then), queued on `ch`, and counted in `queued`. */
function put(ch: ShardChannel, queued: QueueCounters, partitionKey: string, data: string | Uint8Array, at = 0): PendingRecord {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const key = new KeyInfo(partitionKey, Buffer.byteLength(partitionKey));
  const r = new PendingRecord(nextId++, key, undefined, bytes, hashKeyOf(partitionKey), bytes.length + key.bytes, at + 30_000);
  r.enqueuedAt = at;
  ch.push(r);
  queued.queuedRecords++;
  queued.queuedBytes += r.size;
  return r;
}

function shard(id: number, limiter?: ShardRateLimiter): ShardChannel {
  return new ShardChannel(`shardId-${id}`, 0n, 2n ** 128n - 1n, limiter);
}

function view(channels: ShardChannel[], overrides: Partial<RoutingView> = {}): RoutingView {
  return { channelList: channels, aggregationSuspended: false, awaitingFirstMap: false, retiredInFlight: [], ...overrides };
}

const counters = (): QueueCounters => ({ queuedRecords: 0, queuedBytes: 0 });

describe('BatchBuilder', () => {
  it('sends nothing before a record has lingered, then one aggregate per shard that deaggregates to the records in order', () => {
    const a = shard(0);
    const b = shard(1);
    const queued = counters();
    for (let i = 0; i < 3; i++) put(a, queued, `dev-${i}`, `a${i}`);
    for (let i = 0; i < 2; i++) put(b, queued, `dev-${i}`, `b${i}`);
    const builder = new BatchBuilder(LIMITS);
    expect(builder.build(view([a, b]), queued, 99, false)).toBeUndefined();
    const batch = builder.build(view([a, b]), queued, 100, false);
    expect(batch?.records.map((o) => [o.channel.shardId, o.aggregated, o.records.length])).toEqual([
      ['shardId-0', true, 3],
      ['shardId-1', true, 2],
    ]);
    expect(batch?.channels).toEqual([a, b]);
    const first = batch?.records[0];
    expect(first?.entry.PartitionKey).toBe('a');
    expect(first?.entry.ExplicitHashKey).toBe(hashKeyOf('dev-0').toString());
    const users = referenceDeaggregate({ data: first?.entry.Data as Uint8Array, partitionKey: 'a' });
    expect(users.map((u) => `${u.partitionKey}:${u.data.toString()}`)).toEqual(['dev-0:a0', 'dev-1:a1', 'dev-2:a2']);
    expect(queued).toEqual({ queuedRecords: 0, queuedBytes: 0 });
    expect(a.queue.length + b.queue.length).toBe(0);
  });

  it('sends a lone record as itself (a container of one is no aggregate)', () => {
    const a = shard(0);
    const queued = counters();
    put(a, queued, 'dev-0', 'alone');
    const batch = new BatchBuilder(LIMITS).build(view([a]), queued, 0, true);
    expect(batch?.records[0]).toMatchObject({ aggregated: false, entry: { PartitionKey: 'dev-0' } });
  });

  it('fills a call with at most collectionMaxCount entries and leaves the rest queued', () => {
    const a = shard(0);
    const queued = counters();
    for (let i = 0; i < 600; i++) put(a, queued, `dev-${i}`, 'x');
    const batch = new BatchBuilder({ ...LIMITS, aggregation: false }).build(view([a]), queued, 0, true);
    expect(batch?.records).toHaveLength(500);
    expect(queued.queuedRecords).toBe(100);
    expect(a.queue.length).toBe(100);
  });

  it('keeps a call within collectionMaxBytes and an aggregate within aggregationMaxBytes', () => {
    const a = shard(0);
    const queued = counters();
    const kb = new Uint8Array(1000);
    for (let i = 0; i < 200; i++) put(a, queued, `dev-${i}`, kb);
    const batch = new BatchBuilder({ ...LIMITS, collectionMaxBytes: 120_000 }).build(view([a]), queued, 0, true);
    expect(batch?.bytes).toBeLessThanOrEqual(120_000);
    for (const out of batch?.records ?? []) expect(out.bytes).toBeLessThanOrEqual(LIMITS.aggregationMaxBytes);
    expect(batch?.records.reduce((n, o) => n + o.records.length, 0)).toBe(200 - a.queue.length);
  });

  it("pays the shard's token buckets: a shard out of tokens waits for the refill, at least LIMITER_PERIOD_MS", () => {
    const limiter = new ShardRateLimiter({ recordsPerSecond: 2, bytesPerSecond: 1_000_000, decreaseFactor: 0.7, recoveryPerSecond: 0.05, minRateFactor: 0.05, clock: { now: () => 0 } });
    const a = shard(0, limiter);
    const queued = counters();
    for (let i = 0; i < 5; i++) put(a, queued, `dev-${i}`, 'x');
    const builder = new BatchBuilder({ ...LIMITS, aggregation: false });
    expect(builder.build(view([a]), queued, 0, true)?.records).toHaveLength(2);
    expect(a.limiterUntil).toBeGreaterThanOrEqual(LIMITER_PERIOD_MS);
    expect(builder.build(view([a]), queued, 0, true)).toBeUndefined();
  });

  it('ordered mode: a key once per shard per call, no second call to a shard with one in flight', () => {
    const a = shard(0);
    const queued = counters();
    for (let i = 0; i < 3; i++) put(a, queued, 'dev-0', `n${i}`);
    const ordered = new BatchBuilder({ ...LIMITS, aggregation: false, ordered: true });
    const batch = ordered.build(view([a]), queued, 0, true);
    expect(batch?.records.map((o) => Buffer.from(o.records[0].data).toString())).toEqual(['n0']);
    a.inFlight = 1;
    expect(ordered.build(view([a]), queued, 0, true)).toBeUndefined();
  });

  it('holds unmapped records while the first shard map is coming, and sends them unaggregated after', () => {
    const unmapped = ShardChannel.unmapped();
    const queued = counters();
    put(unmapped, queued, 'dev-0', 'a');
    put(unmapped, queued, 'dev-1', 'b');
    const builder = new BatchBuilder(LIMITS);
    expect(builder.build(view([unmapped], { awaitingFirstMap: true }), queued, 0, true)).toBeUndefined();
    const batch = builder.build(view([unmapped]), queued, 0, true);
    expect(batch?.records.map((o) => o.aggregated)).toEqual([false, false]);
  });
  it('sends a pre-aggregated record on its own, as put, between the aggregates of the records around it', () => {
    const a = shard(0);
    const queued = counters();
    put(a, queued, 'k1', 'a0');
    put(a, queued, 'k2', 'a1');
    const alone = put(a, queued, '123.5', Buffer.from('already an aggregate'));
    alone.alone = true;
    put(a, queued, 'k3', 'a2');
    put(a, queued, 'k4', 'a3');
    const batch = new BatchBuilder(LIMITS).build(view([a]), queued, 100, false);
    expect(batch?.records.map((o) => [o.aggregated, o.records.length])).toEqual([
      [true, 2],
      [false, 1],
      [true, 2],
    ]);
    expect(batch?.records[1].entry).toEqual({ Data: alone.data, PartitionKey: '123.5' });
    expect(queued).toEqual({ queuedRecords: 0, queuedBytes: 0 });
  });
});
