/**
 * The batch builder: queued records → the next PutRecords call, the KPL's Aggregator and Collector in one pass.
 * No I/O, no timers, no clock of its own: given the channels (one per predicted shard), the time and whether the
 * producer is flushing, it takes records from the heads of the channel queues and returns one call's worth, or
 * nothing when no call is due. Tested on its own (batch-builder.spec.ts).
 *
 * Limits it keeps (kds-reference.md §3, the PutRecords API and KPL defaults):
 * - a call: at most `collectionMaxCount` Kinesis records (500) and `collectionMaxBytes` (5 MiB, data + keys);
 * - an aggregate: at most `aggregationMaxBytes` (KPL AggregationMaxSize, 51,200), records of one channel only,
 *   so that every sub-record hashes into the shard Kinesis routes the aggregate to (a KCL drops it otherwise);
 * - a shard: its token buckets (ShardRateLimiter) pay for every Kinesis record before it is taken; a channel they
 *   cannot pay for waits for the refill, at least LIMITER_PERIOD_MS;
 * - ordered mode: one call in flight per shard, and a partition key in at most one Kinesis record per shard of a
 *   call (an aggregate holds any number of a key's records, in order).
 *
 * When a call is due: a record has lingered `maxBufferedTimeMs`, a full call's worth is queued, or the producer
 * is flushing (flush(), close(), a full buffer, callers waiting for room). Channels are visited round-robin from
 * a cursor that moves on every call, so that no shard starves behind the others.
 */
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { AggregateBuilder } from '@tributary/kpl';
import type { ResolvedOptions } from '../producer/producer-options';
import type { OutgoingRecord, PendingRecord, ShardChannel } from '../routing/shard-channel';

/** Shortest wait of a shard whose token buckets are empty (KPL limiter drain period). */
export const LIMITER_PERIOD_MS = 25;

/** The partition key of an aggregated Kinesis record (KPL kinesis_record.cc); routing uses ExplicitHashKey. */
const AGGREGATE_PARTITION_KEY = 'a';

/** One PutRecords call's worth: its Kinesis records, their bytes, and the channels they came from. */
export interface Batch {
  records: OutgoingRecord[];
  bytes: number;
  channels: ShardChannel[];
}

export type BatchLimits = Pick<
  ResolvedOptions,
  'aggregation' | 'aggregationMaxBytes' | 'collectionMaxCount' | 'collectionMaxBytes' | 'maxBufferedTimeMs' | 'ordered'
>;

/** What the builder reads of the routing state (ShardRouter). */
export interface RoutingView {
  /** Every channel of the current shard map, then the unmapped one. */
  readonly channelList: readonly ShardChannel[];
  /** A record landed on an unexpected shard: send single records until the map is refreshed. */
  readonly aggregationSuspended: boolean;
  /** No shard map yet, and the first ListShards has not failed: unmapped records wait for it. */
  readonly awaitingFirstMap: boolean;
  /** Channels a newer map replaced while calls with their records were in flight (ordered mode waits for them). */
  readonly retiredInFlight: readonly ShardChannel[];
}

/** The producer's count of queued records (not in flight, not waiting for room), which the builder takes from. */
export interface QueueCounters {
  queuedRecords: number;
  queuedBytes: number;
}

export class BatchBuilder {
  private readonly aggregate = new AggregateBuilder();
  private cursor = 0;

  constructor(private readonly limits: BatchLimits) {}

  /** The next call's worth of records, taken off their queues (and paid to their shards' limiters), if one is due. */
  build(view: RoutingView, queued: QueueCounters, now: number, flushing: boolean): Batch | undefined {
    const o = this.limits;
    let mustSend = flushing || queued.queuedBytes >= o.collectionMaxBytes || (!o.aggregation && queued.queuedRecords >= o.collectionMaxCount);
    const list = view.channelList;
    if (!mustSend) {
      for (const ch of list) {
        if (ch.queue.length > 0 && this.isDue(ch, now) && this.sendable(ch, view, now)) {
          mustSend = true;
          break;
        }
      }
    }
    if (!mustSend) return undefined;
    const batch: Batch = { records: [], bytes: 0, channels: [] };
    const n = list.length;
    const start = this.cursor++ % n;
    for (let i = 0; i < n; i++) {
      const ch = list[(start + i) % n];
      if (ch.queue.length === 0 || !this.sendable(ch, view, now)) continue;
      const before = batch.records.length;
      this.takeFrom(ch, view, queued, batch, flushing || this.isDue(ch, now), now);
      if (batch.records.length > before) batch.channels.push(ch);
      if (batch.records.length >= o.collectionMaxCount || batch.bytes >= o.collectionMaxBytes) break;
    }
    return batch.records.length > 0 ? batch : undefined;
  }

  /** True when the channel may send now (not waiting for a backoff, the limiter, a previous call or a map). */
  sendable(ch: ShardChannel, view: RoutingView, now: number): boolean {
    if (ch.blockedUntil > now || ch.limiterUntil > now) return false;
    if (!ch.mapped && view.awaitingFirstMap) return false; // the first map is coming
    if (this.limits.ordered) {
      if (ch.inFlight > 0) return false;
      for (const r of view.retiredInFlight) if (r !== ch && r.inFlight > 0 && r.overlaps(ch)) return false;
    }
    return true;
  }

  private isDue(ch: ShardChannel, now: number): boolean {
    return (ch.queue.peek() as PendingRecord).enqueuedAt + this.limits.maxBufferedTimeMs <= now;
  }

  /** Moves Kinesis records from the head of `ch` into `batch`, within the call's, the aggregate's and the shard's limits. */
  private takeFrom(ch: ShardChannel, view: RoutingView, queued: QueueCounters, batch: Batch, due: boolean, now: number): void {
    const o = this.limits;
    const aggregate = o.aggregation && ch.mapped && !view.aggregationSuspended;
    const usedKeys = o.ordered ? new Set<string>() : undefined;
    while (ch.queue.length > 0 && batch.records.length < o.collectionMaxCount) {
      const budget = o.collectionMaxBytes - batch.bytes;
      const out = aggregate ? this.nextAggregate(ch, budget, due, usedKeys, now) : this.nextSingle(ch, budget, usedKeys, now);
      if (!out) return;
      for (let i = 0; i < out.records.length; i++) ch.shift();
      queued.queuedRecords -= out.records.length;
      for (const r of out.records) {
        queued.queuedBytes -= r.size;
        usedKeys?.add(r.partitionKey);
      }
      batch.records.push(out);
      batch.bytes += out.bytes;
    }
  }

  /**
   * Pays the shard's token buckets for a Kinesis record of `bytes`. When they cannot pay, the channel waits for
   * the refill, and at least LIMITER_PERIOD_MS: a shard paced at its limit then sends one call's worth every
   * 25 ms (the KPL drains its limiter at that period) instead of a call per token as tokens trickle in.
   */
  private pay(ch: ShardChannel, bytes: number, now: number): boolean {
    if (!ch.limiter || ch.limiter.tryTake(bytes)) return true;
    ch.limiterUntil = now + Math.max(LIMITER_PERIOD_MS, ch.limiter.msUntil(bytes));
    return false;
  }

  /**
   * The head record on its own (aggregation off, suspended, or the unmapped channel). A channel that is not due
   * rides along: a call is going anyway.
   */
  private nextSingle(ch: ShardChannel, budget: number, usedKeys: Set<string> | undefined, now: number): OutgoingRecord | undefined {
    const r = ch.queue.peek() as PendingRecord;
    if (r.size > budget || usedKeys?.has(r.partitionKey)) return undefined;
    return this.pay(ch, r.size, now) ? single(ch, r) : undefined;
  }

  /**
   * The longest run of head records that fits one aggregate (and the call's remaining bytes), encoded once the
   * shard's limiter has paid for it. A partial aggregate (the queue ran out before the size limit) of a channel
   * that is not due yet is left to grow.
   */
  private nextAggregate(ch: ShardChannel, budget: number, due: boolean, usedKeys: Set<string> | undefined, now: number): OutgoingRecord | undefined {
    const b = this.aggregate;
    b.reset();
    // The Kinesis record also carries the 1-byte partition key "a".
    const limit = Math.min(this.limits.aggregationMaxBytes, budget) - 1;
    const queue = ch.queue;
    let full = false;
    const n = queue.length;
    for (let i = 0; i < n; i++) {
      const r = queue.at(i) as PendingRecord;
      // A pre-aggregated record ends the run: it goes on its own (below, when it reaches the head).
      if (r.alone || (usedKeys !== undefined && usedKeys.has(r.partitionKey)) || !b.tryAdd(r, limit)) {
        full = true;
        break;
      }
    }
    const head = queue.peek() as PendingRecord;
    if (b.count === 0) {
      // The head alone is too big to aggregate (send it raw) or the call has no room left for it (stop).
      if (usedKeys?.has(head.partitionKey) || head.size > budget) return undefined;
      return this.pay(ch, head.size, now) ? single(ch, head) : undefined;
    }
    if (!full && !due) return undefined;
    // A container of one record is sent as that record (KPL): no magic, no protobuf, its own partition key.
    if (b.count === 1) return this.pay(ch, head.size, now) ? single(ch, head) : undefined;
    if (!this.pay(ch, b.byteLength + 1, now)) return undefined;
    const records: PendingRecord[] = new Array(b.count);
    for (let i = 0; i < records.length; i++) records[i] = queue.at(i) as PendingRecord;
    const data = b.encode();
    const entry: PutRecordsRequestEntry = {
      Data: data,
      PartitionKey: AGGREGATE_PARTITION_KEY,
      // The aggregate goes where its first record would (KPL); every other record of it hashes to the same shard.
      ExplicitHashKey: head.explicitHashKey ?? head.hashKey.toString(),
    };
    return { channel: ch, records, aggregated: true, bytes: data.length + 1, entry };
  }
}

/** A user record sent on its own: its own partition key (and explicit hash key, when it has one). */
function single(ch: ShardChannel, r: PendingRecord): OutgoingRecord {
  const entry: PutRecordsRequestEntry =
    r.explicitHashKey === undefined
      ? { Data: r.data, PartitionKey: r.partitionKey }
      : { Data: r.data, PartitionKey: r.partitionKey, ExplicitHashKey: r.explicitHashKey };
  return { channel: ch, records: [r], aggregated: false, bytes: r.size, entry };
}
