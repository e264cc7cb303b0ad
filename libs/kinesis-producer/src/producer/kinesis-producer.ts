/**
 * KinesisProducer: a KPL-class producer in plain Node (kds-reference.md §3, §6, §9 "Producer").
 *
 * put() → validate, hash (MD5 of the partition key, or the explicit hash key) → the channel of the predicted
 * shard (ShardMap from ListShards) → the pump builds PutRecords calls: per channel, KPL aggregates of up to
 * `aggregationMaxBytes` (records of one shard only) or single records, paced by the channel's token buckets,
 * up to 500 entries / 5 MiB per call, when a record has lingered `maxBufferedTimeMs`, when a full call's worth
 * is queued, or on flush() → the answer settles each user record: success resolves its promise with the shard,
 * sequence number and sub-sequence number; a failed entry (throttled, internal failure) or a failed call
 * (network, 5xx, timeout) is retried after an exponential backoff with full jitter until its time-to-live ends,
 * then rejected with RecordExpiredError and handed to onFailure; a non-retriable error rejects at once.
 *
 * Everything runs on the event loop; nothing polls. The pump runs after put() when a send may be due (queued as
 * a microtask, so a burst of puts costs one pump), when a call completes, and on one timer set for the next
 * moment something can happen (a linger deadline, a backoff end, a limiter refill, a TTL expiry, a shard-map
 * refresh). A throttled or unreachable stream therefore costs timers, not CPU.
 *
 * Ordered mode (README, "Ordering"): at most one call in flight per shard; within a call, a partition key
 * appears in at most one Kinesis record per shard; failed records go back to the head of their shard's queue
 * and the shard waits for their backoff. A retry can therefore never overtake, or be overtaken by, a later
 * record of the same key.
 */
import { PutRecordsCommand, type PutRecordsCommandInput, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import {
  MAX_PARTITION_KEY_LENGTH,
  PartitioningError,
  ShardMapRefreshPolicy,
  assertValidPartitionKey,
  parseExplicitHashKey,
  type ShardMap,
} from '@tributary/partitioning';
import { AggregateBuilder } from './aggregation-codec';
import { BackoffPolicy } from '@tributary/runtime';
import { summarizeDeliveries, type DeliveryLogSummarizer, type DeliveryStatus } from './delivery-log-summarizer';
import { classifyCallError, classifyEntryError, type ClassifiedFailure } from '@tributary/errors';
import { KeyInfoCache, type KeyInfo } from './key-info';
import { createKinesisClient } from './kinesis-client-factory';
import { MinHeap } from './min-heap';
import { fastPutRecordsInput, installFastPutRecordsBody } from './put-records-body-codec';
import { ProducerClosedError, ProducerError, RecordExpiredError, RecordRejectedError, type DeliveryContext } from './producer-error';
import { ProducerEvents, type ProducerEventMap, type ProducerEventName } from './producer-events';
import {
  noopLogger,
  resolveOptions,
  systemTimers,
  type Clock,
  type KinesisClientLike,
  type KinesisProducerOptions,
  type Logger,
  type ResolvedOptions,
  type Timers,
} from './producer-options';
import type { FailedRecord, ProducerStats, PutRecordInput, PutResult } from './producer-types';
import { RecordDeque } from './record-deque';
import { PendingRecord, ShardChannel, type AttemptFailures, type OutgoingRecord } from './shard-channel';
import { loadShardMap } from './shard-map-loader';
import { ShardRateLimiter } from './shard-rate-limiter';

/** Shortest wait of a shard whose token buckets are empty (KPL limiter drain period). */
const LIMITER_PERIOD_MS = 25;

/** The partition key of an aggregated Kinesis record (KPL kinesis_record.cc); routing uses ExplicitHashKey. */
const AGGREGATE_PARTITION_KEY = 'a';

interface Batch {
  records: OutgoingRecord[];
  bytes: number;
  channels: ShardChannel[];
}

interface FailedGroup {
  channel: ShardChannel;
  records: PendingRecord[];
  kinesisRecords: number;
  failure: ClassifiedFailure;
}

/** An aggregate that landed on an unexpected shard, to be checked against the refreshed map. */
interface PlacementCheck {
  out: OutgoingRecord;
  actualShardId: string;
  sequenceNumber: string;
  /** 'resend' policy: its records are not settled yet. */
  held: boolean;
}

interface FlushWaiter {
  upTo: number;
  remaining: number;
  resolve: () => void;
}

const noop = (): void => undefined;

/**
 * The executor of put()'s promise, shared rather than a closure per record (one allocation less per record on
 * the hot path): the Promise constructor calls it synchronously, right after `pendingForExecutor` is set. Only
 * `resolve` is kept: the record rejects through it (PendingRecord.reject), and an unreferenced reject function
 * dies young instead of being copied and promoted with the record.
 */
let pendingForExecutor: PendingRecord | undefined;
function attachSettlers(resolve: (result: PutResult | PromiseLike<PutResult>) => void): void {
  (pendingForExecutor as PendingRecord).resolve = resolve;
  pendingForExecutor = undefined;
}

export class KinesisProducer {
  private readonly o: ResolvedOptions;
  private readonly client: KinesisClientLike;
  private readonly ownsClient: boolean;
  /** The client is ours and serializes PutRecords bodies through put-records-body-codec. */
  private readonly fastBody: boolean = false;
  private readonly clock: Clock;
  /** The injected clock's time at construction: internal times are relative to it. */
  private readonly epoch: number;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly events: ProducerEvents;
  private readonly deliveryLog: DeliveryLogSummarizer;
  private readonly backoff: BackoffPolicy;
  private readonly refreshPolicy: ShardMapRefreshPolicy;
  /** Partition key → its hash key, UTF-8 length, route and aggregate table slot. */
  private readonly keys: KeyInfoCache;
  /** Bumped by every shard map: the routes noted in KeyInfo are valid while theirs equals it. */
  private routeVersion = 0;
  private readonly onFailure?: KinesisProducerOptions['onFailure'];
  private readonly builder = new AggregateBuilder();
  private readonly stream: { StreamName: string } | { StreamARN: string };

  private shardMap: ShardMap | undefined;
  private channels = new Map<string, ShardChannel>();
  private channelList: ShardChannel[];
  private unmapped: ShardChannel;
  /** Channels replaced by a newer map while calls carrying their records were in flight (ordered mode waits for them). */
  private retiredInFlight: ShardChannel[] = [];
  private refreshing: Promise<void> | undefined;
  private refreshFailedBeforeFirstMap = false;
  /** A put landed on an unexpected shard: no aggregation until the map is refreshed (raw records route themselves). */
  private aggregationSuspended = false;

  private placementChecks: PlacementCheck[] = [];
  private readonly waiters = new RecordDeque<PendingRecord>();
  private readonly retryHeap = new MinHeap<PendingRecord[]>();
  private retryingRecords = 0;
  private bufferedRecords = 0;
  private bufferedBytes = 0;
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private nextId = 0;
  private flushes: FlushWaiter[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private pumpQueued = false;
  private wakeHandle: unknown = undefined;
  private wakeAt = Infinity;
  private cursor = 0;
  private backpressured = false;
  private readonly hookPromises = new Set<Promise<void>>();
  private writableWaiters: Array<() => void> = [];
  private readonly totals = { userRecordsPut: 0, kinesisRecordsPut: 0, putRecordsCalls: 0, retries: 0, throttles: 0, failures: 0, wrongShard: 0 };

  constructor(options: KinesisProducerOptions) {
    this.o = resolveOptions(options);
    this.ownsClient = options.client === undefined;
    if (options.client) {
      this.client = options.client;
    } else {
      const own = createKinesisClient(options.clientOptions);
      installFastPutRecordsBody(own);
      this.client = own;
      this.fastBody = true;
    }
    // Internally, time is milliseconds since the producer was created: small integers, which V8 stores inline in
    // the records (a wall-clock timestamp is a heap number: three more allocations per record, ~10 % of the CPU
    // at 250,000 records/s, measured). They stay small for 12 days, then merely get a little slower.
    const base = options.clock;
    const epoch = base ? base.now() : Date.now();
    this.epoch = epoch;
    this.clock = base ? { now: () => base.now() - epoch } : { now: () => Date.now() - epoch };
    this.timers = options.timers ?? systemTimers;
    this.logger = (options.logger ?? noopLogger).child({ component: 'kinesis-producer', stream: this.o.streamName });
    this.events = new ProducerEvents((event, err) => this.logger.error({ err, event }, 'a producer event listener threw'));
    // Failing deliveries are logged here, summarised per interval; fail() and the ListShards error only log at debug.
    this.deliveryLog = summarizeDeliveries(this.events, {
      logger: this.logger,
      clock: base ?? { now: () => Date.now() },
      intervalMs: this.o.logSummaryIntervalMs,
      subject: 'Kinesis',
    });
    this.backoff = new BackoffPolicy({ baseDelayMs: this.o.retryBaseDelayMs, maxDelayMs: this.o.retryMaxDelayMs }, options.random ?? Math.random);
    this.refreshPolicy = new ShardMapRefreshPolicy({
      clock: this.clock,
      minIntervalMs: this.o.shardMapMinIntervalMs,
      maxAgeMs: this.o.shardMapMaxAgeMs,
    });
    this.keys = new KeyInfoCache(this.o.hashKeyCacheSize);
    this.onFailure = options.onFailure;
    this.stream = this.o.streamArn ? { StreamARN: this.o.streamArn } : { StreamName: this.o.streamName };
    this.unmapped = ShardChannel.unmapped();
    this.channelList = [this.unmapped];
  }

  // ---------------------------------------------------------------------------------------------------------
  // Public API

  /**
   * Queues one record. Resolves with where Kinesis stored it, once acknowledged; rejects with a ProducerError
   * (INVALID_RECORD at once; RECORD_EXPIRED or RECORD_REJECTED later, after which onFailure has the record).
   * When the buffer is full, the record waits for room before it is even queued (backpressure): awaiting put()
   * is what slows a caller down. `data` must not be modified until the promise settles (it is not copied).
   */
  put(input: PutRecordInput): Promise<PutResult> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    // One clock read per put: its put time, deadline and admission time.
    const now = this.clock.now();
    let record: PendingRecord;
    try {
      record = this.prepare(input, now);
    } catch (err) {
      return Promise.reject(err);
    }
    pendingForExecutor = record;
    const promise = new Promise<PutResult>(attachSettlers);
    record.promise = promise;
    if (this.waiters.length > 0 || !this.hasRoom(record.size)) {
      this.waiters.push(record);
      if (!this.backpressured) {
        this.backpressured = true;
        this.emitBackpressure(true);
      }
      this.queuePump();
      return promise;
    }
    this.admit(record, now);
    return promise;
  }

  /** Sends everything put so far without waiting for the linger time; resolves when all of it has settled. */
  flush(): Promise<void> {
    const outstanding = this.bufferedRecords + this.waiters.length;
    if (outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushes.push({ upTo: this.nextId - 1, remaining: outstanding, resolve });
      this.queuePump();
    });
  }

  /**
   * Refuses new records, drains the buffer (every record is delivered, or fails after its time-to-live and goes
   * to onFailure), waits for the onFailure hooks, and releases the default client's sockets.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.flush();
      await this.refreshing;
      this.clearWake();
      this.notifyWritable();
      await Promise.allSettled([...this.hookPromises]);
      this.deliveryLog.flush();
      if (this.ownsClient) (this.client as { destroy?: () => void }).destroy?.();
    })();
    return this.closing;
  }

  on<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  once<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.events.once(event, listener);
    return this;
  }

  off<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  /** False while put() calls would wait for room (for callers that do not await each put). */
  get writable(): boolean {
    return this.waiters.length === 0 && this.bufferedRecords < this.o.maxBufferedRecords && this.bufferedBytes < this.o.maxBufferedBytes;
  }

  /** Resolves once put() would not wait (immediately when it would not now). */
  whenWritable(): Promise<void> {
    if (this.writable || this.closed) return Promise.resolve();
    // A waiting caller makes the pump send without lingering (`flushing`): let it run now, not at the next timer.
    this.queuePump();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  private notifyWritable(): void {
    if (this.writableWaiters.length === 0 || !(this.writable || this.closed)) return;
    const waiting = this.writableWaiters;
    this.writableWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /** 'degraded' (with why and since when) while calls fail for reasons an outage explains; 'ok' once records are stored again. */
  deliveryStatus(): DeliveryStatus {
    return this.deliveryLog.status();
  }

  /** Adds to a counter of the delivery log's next summary line (the durable buffer's spilled, replayed, dropped). */
  countInDeliveryLog(counter: string, n: number): void {
    this.deliveryLog.count(counter, n);
  }

  /** ordered + expireBehind: what DurableProducer needs to keep each key's order across spills. */
  get keepsKeyOrderAcrossExpiry(): boolean {
    return this.o.ordered && this.o.expireBehind;
  }

  get shardMapVersion(): number {
    return this.shardMap?.version ?? 0;
  }

  stats(): ProducerStats {
    const rates: Record<string, number> = {};
    for (const ch of this.channels.values()) if (ch.limiter && ch.shardId) rates[ch.shardId] = ch.limiter.rateFactor();
    return {
      bufferedRecords: this.bufferedRecords,
      bufferedBytes: this.bufferedBytes,
      waitingPuts: this.waiters.length,
      inFlightRequests: this.inFlight,
      retryingRecords: this.retryingRecords,
      shardMapVersion: this.shardMapVersion,
      shards: this.shardMap?.size ?? 0,
      shardRateFactors: rates,
      totals: { ...this.totals },
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Intake

  private prepare(input: PutRecordInput, now: number): PendingRecord {
    if (typeof input !== 'object' || input === null) throw invalidRecord('a record must be an object { partitionKey, data }.');
    const { partitionKey, explicitHashKey } = input;
    // Fast path for the common case; the full check counts code points only for long keys.
    if (typeof partitionKey !== 'string' || partitionKey.length === 0 || partitionKey.length > MAX_PARTITION_KEY_LENGTH) {
      try {
        assertValidPartitionKey(partitionKey);
      } catch (err) {
        throw invalidRecord((err as Error).message, err);
      }
    }
    const data = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data;
    if (!(data instanceof Uint8Array)) throw invalidRecord('data must be a Uint8Array (Buffer) or a string.');
    const key = this.keys.get(partitionKey);
    const size = data.length + key.bytes;
    if (size > this.o.maxRecordBytes) {
      throw invalidRecord(`the record has ${size} bytes (data + partition key), above the ${this.o.maxRecordBytes}-byte maximum.`);
    }
    let hashKey: bigint;
    if (explicitHashKey !== undefined) {
      try {
        hashKey = parseExplicitHashKey(explicitHashKey);
      } catch (err) {
        throw invalidRecord((err as Error).message, err);
      }
    } else {
      hashKey = key.hashKey;
    }
    return new PendingRecord(this.nextId++, key, explicitHashKey, data, hashKey, size, now + this.o.recordTtlMs);
  }

  /** When `r` was put (its deadline minus the time-to-live: one field less per record). */
  private putAtOf(r: PendingRecord): number {
    return r.deadline - this.o.recordTtlMs;
  }

  private hasRoom(size: number): boolean {
    if (this.bufferedRecords === 0) return true; // a single record larger than the byte bound still goes
    return this.bufferedRecords < this.o.maxBufferedRecords && this.bufferedBytes + size <= this.o.maxBufferedBytes;
  }

  private admit(record: PendingRecord, now: number): void {
    this.bufferedRecords++;
    this.bufferedBytes += record.size;
    record.enqueuedAt = now;
    this.routeOf(record).push(record);
    const bytesBefore = this.queuedBytes;
    this.queuedRecords++;
    this.queuedBytes += record.size;
    // Size triggers fire when the queue crosses a full call's worth (edge, not level: while the calls in flight
    // are at their maximum, every further put would otherwise queue a pump that can send nothing), and when this
    // record fills the buffer: from then on the pump sends without lingering (`flushing`), and a caller about to
    // wait for room (whenWritable) must not wait for the linger timer as well (a buffer smaller than a call's
    // worth used to stall for the linger on every refill: 136,000 records/s at 20,000 records, measured).
    if (
      this.flushes.length > 0 ||
      this.shardMap === undefined ||
      (bytesBefore < this.o.collectionMaxBytes && this.queuedBytes >= this.o.collectionMaxBytes) ||
      (!this.o.aggregation && this.queuedRecords === this.o.collectionMaxCount) ||
      this.bufferedRecords === this.o.maxBufferedRecords ||
      (this.bufferedBytes >= this.o.maxBufferedBytes && this.bufferedBytes - record.size < this.o.maxBufferedBytes)
    ) {
      this.queuePump();
    } else {
      this.armWake(now + this.o.maxBufferedTimeMs, now);
    }
  }

  /** route(r.hashKey), noted in the partition key's KeyInfo until the next shard map. */
  private routeOf(r: PendingRecord): ShardChannel {
    if (r.explicitHashKey !== undefined) return this.route(r.hashKey);
    const key: KeyInfo = r.key;
    if (key.routeVersion === this.routeVersion) return key.channel as ShardChannel;
    const ch = this.route(r.hashKey);
    key.channel = ch;
    key.routeVersion = this.routeVersion;
    return ch;
  }

  private route(hashKey: bigint): ShardChannel {
    const map = this.shardMap;
    if (map === undefined) return this.unmapped;
    const shard = map.shardFor(hashKey);
    return (shard && this.channels.get(shard.shardId)) || this.unmapped;
  }

  private admitWaiters(now: number): void {
    while (this.waiters.length > 0 && this.hasRoom((this.waiters.peek() as PendingRecord).size)) {
      this.admit(this.waiters.shift() as PendingRecord, now);
    }
    if (this.backpressured && this.waiters.length === 0) {
      this.backpressured = false;
      this.emitBackpressure(false);
    }
    this.notifyWritable();
  }

  // ---------------------------------------------------------------------------------------------------------
  // The pump

  private queuePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => this.pump());
  }

  /** Arms the wake timer for `at` unless it is already set to fire earlier. */
  private armWake(at: number, now: number): void {
    if (at >= this.wakeAt) return;
    this.clearWake();
    this.wakeAt = at;
    this.wakeHandle = this.timers.setTimeout(
      () => {
        this.wakeHandle = undefined;
        this.wakeAt = Infinity;
        this.pump();
      },
      Math.max(0, at - now),
    );
  }

  private clearWake(): void {
    if (this.wakeHandle !== undefined) this.timers.clearTimeout(this.wakeHandle);
    this.wakeHandle = undefined;
    this.wakeAt = Infinity;
  }

  private pump(): void {
    this.pumpQueued = false;
    const now = this.clock.now();
    try {
      this.maybeRefreshShardMap();
      this.releaseRetries(now);
      this.expire(now);
      this.admitWaiters(now);
      while (this.inFlight < this.o.maxConcurrentRequests) {
        const batch = this.buildBatch(now);
        if (!batch) break;
        this.send(batch, now);
      }
    } catch (err) {
      // A bug, never an expected path: say so loudly, and keep the timer going so that work resumes.
      this.logger.error({ err }, 'internal error in the producer pump');
    }
    this.armNextWake(now);
  }

  /**
   * Send without lingering: on flush() and close(), and while the buffer is full or callers wait for room (in
   * put() or whenWritable(): lingering would only keep them waiting longer; a full buffer is a size trigger).
   */
  private get flushing(): boolean {
    return (
      this.flushes.length > 0 ||
      this.closed ||
      this.waiters.length > 0 ||
      this.writableWaiters.length > 0 ||
      this.bufferedRecords >= this.o.maxBufferedRecords ||
      this.bufferedBytes >= this.o.maxBufferedBytes
    );
  }

  /** True when the channel may send now (not waiting for a backoff, the limiter, a previous call or a map). */
  private sendable(ch: ShardChannel, now: number): boolean {
    if (ch.blockedUntil > now || ch.limiterUntil > now) return false;
    if (!ch.mapped && this.shardMap === undefined && !this.refreshFailedBeforeFirstMap) return false; // the first map is coming
    if (this.o.ordered) {
      if (ch.inFlight > 0) return false;
      for (const r of this.retiredInFlight) if (r !== ch && r.inFlight > 0 && r.overlaps(ch)) return false;
    }
    return true;
  }

  private isDue(ch: ShardChannel, now: number): boolean {
    return (ch.queue.peek() as PendingRecord).enqueuedAt + this.o.maxBufferedTimeMs <= now;
  }

  private buildBatch(now: number): Batch | undefined {
    const flushing = this.flushing;
    let mustSend =
      flushing || this.queuedBytes >= this.o.collectionMaxBytes || (!this.o.aggregation && this.queuedRecords >= this.o.collectionMaxCount);
    const list = this.channelList;
    if (!mustSend) {
      for (const ch of list) {
        if (ch.queue.length > 0 && this.isDue(ch, now) && this.sendable(ch, now)) {
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
      if (ch.queue.length === 0 || !this.sendable(ch, now)) continue;
      const before = batch.records.length;
      this.takeFrom(ch, batch, flushing || this.isDue(ch, now), now);
      if (batch.records.length > before) batch.channels.push(ch);
      if (batch.records.length >= this.o.collectionMaxCount || batch.bytes >= this.o.collectionMaxBytes) break;
    }
    return batch.records.length > 0 ? batch : undefined;
  }

  /** Moves Kinesis records from the head of `ch` into `batch`, within the call's, the aggregate's and the shard's limits. */
  private takeFrom(ch: ShardChannel, batch: Batch, due: boolean, now: number): void {
    const aggregate = this.o.aggregation && ch.mapped && !this.aggregationSuspended;
    const usedKeys = this.o.ordered ? new Set<string>() : undefined;
    while (ch.queue.length > 0 && batch.records.length < this.o.collectionMaxCount) {
      const budget = this.o.collectionMaxBytes - batch.bytes;
      const out = aggregate ? this.nextAggregate(ch, budget, due, usedKeys, now) : this.nextSingle(ch, budget, due, usedKeys, now);
      if (!out) return;
      for (let i = 0; i < out.records.length; i++) ch.shift();
      this.queuedRecords -= out.records.length;
      for (const r of out.records) {
        this.queuedBytes -= r.size;
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

  private nextSingle(ch: ShardChannel, budget: number, due: boolean, usedKeys: Set<string> | undefined, now: number): OutgoingRecord | undefined {
    const r = ch.queue.peek() as PendingRecord;
    if (r.size > budget || usedKeys?.has(r.partitionKey)) return undefined;
    // Records of a channel that is not due ride along only when aggregation is off (a call is going anyway).
    if (!due && this.o.aggregation && ch.mapped && !this.aggregationSuspended) return undefined;
    return this.pay(ch, r.size, now) ? this.single(ch, r) : undefined;
  }

  private single(ch: ShardChannel, r: PendingRecord): OutgoingRecord {
    const entry: PutRecordsRequestEntry =
      r.explicitHashKey === undefined
        ? { Data: r.data, PartitionKey: r.partitionKey }
        : { Data: r.data, PartitionKey: r.partitionKey, ExplicitHashKey: r.explicitHashKey };
    return { channel: ch, records: [r], aggregated: false, bytes: r.size, entry };
  }

  /**
   * The longest run of head records that fits one aggregate (and the call's remaining bytes), encoded once the
   * shard's limiter has paid for it. A partial aggregate (the queue ran out before the size limit) of a channel
   * that is not due yet is left to grow.
   */
  private nextAggregate(ch: ShardChannel, budget: number, due: boolean, usedKeys: Set<string> | undefined, now: number): OutgoingRecord | undefined {
    const b = this.builder;
    b.reset();
    // The Kinesis record also carries the 1-byte partition key "a".
    const limit = Math.min(this.o.aggregationMaxBytes, budget) - 1;
    const queue = ch.queue;
    let full = false;
    const n = queue.length;
    for (let i = 0; i < n; i++) {
      const r = queue.at(i) as PendingRecord;
      if ((usedKeys !== undefined && usedKeys.has(r.partitionKey)) || !b.tryAdd(r, limit)) {
        full = true;
        break;
      }
    }
    const head = queue.peek() as PendingRecord;
    if (b.count === 0) {
      // The head alone is too big to aggregate (send it raw) or the call has no room left for it (stop).
      if (usedKeys?.has(head.partitionKey) || head.size > budget) return undefined;
      return this.pay(ch, head.size, now) ? this.single(ch, head) : undefined;
    }
    if (!full && !due) return undefined;
    // A container of one record is sent as that record (KPL): no magic, no protobuf, its own partition key.
    if (b.count === 1) return this.pay(ch, head.size, now) ? this.single(ch, head) : undefined;
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

  /** Sets the wake timer to the next moment the pump has something to do (never "now": no spinning). */
  private armNextWake(now: number): void {
    let next = this.retryHeap.peekKey();
    const linger = this.o.maxBufferedTimeMs;
    const canSend = this.inFlight < this.o.maxConcurrentRequests;
    for (const ch of this.channelList) {
      const head = ch.queue.peek();
      if (!head) continue;
      if (head.deadline < next) next = head.deadline;
      if (!canSend) continue;
      const dueAt = this.flushing ? now : head.enqueuedAt + linger;
      // Waiting for an in-flight call (ordered mode) or for the first map: their completion pumps.
      const waitsFor = Math.max(dueAt, ch.blockedUntil, ch.limiterUntil);
      if (waitsFor > now && waitsFor < next) next = waitsFor;
    }
    const waiter = this.waiters.peek();
    if (waiter && waiter.deadline < next) next = waiter.deadline;
    const reason = this.refreshPolicy.reason;
    // A wrong-shard answer is worth a refresh even when idle (one timer); other reasons wait for traffic.
    if (reason !== undefined && !this.refreshing && (reason === 'wrong-shard' || (reason !== 'max-age' && this.bufferedRecords + this.waiters.length > 0))) {
      const at = now + this.refreshPolicy.delayMs();
      if (at < next) next = at;
    }
    if (next === Infinity) return;
    this.armWake(Math.max(next, now + 1), now);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sending and answers

  private send(batch: Batch, now: number): void {
    this.inFlight++;
    this.totals.putRecordsCalls++;
    for (const ch of batch.channels) ch.inFlight++;
    const entries: PutRecordsRequestEntry[] = new Array(batch.records.length);
    for (let i = 0; i < entries.length; i++) {
      const out = batch.records[i];
      entries[i] = out.entry;
      for (const r of out.records) r.attempts++;
    }
    const input: PutRecordsCommandInput = this.fastBody ? fastPutRecordsInput(this.stream, entries) : { ...this.stream, Records: entries };
    const controller = new AbortController();
    const timeout = this.timers.setTimeout(() => controller.abort(), this.o.requestTimeoutMs);
    this.client.send(new PutRecordsCommand(input), { abortSignal: controller.signal }).then(
      (output) => this.completed(batch, now, timeout, output, undefined),
      (error: unknown) => this.completed(batch, now, timeout, undefined, error),
    );
  }

  private completed(batch: Batch, sentAt: number, timeout: unknown, output: PutRecordsCommandOutput | undefined, error: unknown): void {
    this.timers.clearTimeout(timeout);
    try {
      if (output) this.onAnswer(batch, sentAt, output);
      else this.onCallError(batch, sentAt, error);
    } catch (err) {
      // A bug, never an expected path (listeners and hooks are isolated): log it loudly.
      this.logger.error({ err }, 'internal error while handling a PutRecords answer');
    } finally {
      this.inFlight--;
      for (const ch of batch.channels) ch.inFlight--;
      if (this.retiredInFlight.length > 0) this.retiredInFlight = this.retiredInFlight.filter((ch) => ch.inFlight > 0);
      this.pump();
    }
  }

  private onAnswer(batch: Batch, sentAt: number, output: PutRecordsCommandOutput): void {
    const now = this.clock.now();
    const results = output.Records ?? [];
    if (results.length !== batch.records.length) {
      // Cannot tell which entry is which: retry them all (Kinesis never answers so; a proxy might).
      this.onCallError(batch, sentAt, Object.assign(new Error(`PutRecords answered ${results.length} results for ${batch.records.length} records`), { name: 'ResponseMismatch' }));
      return;
    }
    const wantPut = this.events.wants('records-put');
    let okUser = 0;
    let okKinesis = 0;
    let okBytes = 0;
    let maxLatency = 0;
    let sumLatency = 0;
    let failed: FailedGroup[] | undefined;
    for (let i = 0; i < results.length; i++) {
      const res = results[i];
      const out = batch.records[i];
      if (res.ErrorCode !== undefined || res.SequenceNumber === undefined || res.ShardId === undefined) {
        const failure = classifyEntryError(res.ErrorCode ?? 'MissingSequenceNumber', res.ErrorMessage);
        failed ??= [];
        // Grouped by channel and by kind of failure: each group is retried (or failed) as one.
        let group = failed.find((g) => g.channel === out.channel && g.failure.kind === failure.kind);
        if (!group) failed.push((group = { channel: out.channel, records: [], kinesisRecords: 0, failure }));
        for (const r of out.records) group.records.push(r);
        group.kinesisRecords++;
        continue;
      }
      const shardId = res.ShardId;
      const sequenceNumber = res.SequenceNumber;
      const records = out.records;
      if (out.channel.mapped && shardId !== out.channel.shardId) {
        // Held back (not settled) when its placement must be verified before it counts: see onWrongShard.
        if (this.onWrongShard(out, shardId, sequenceNumber)) continue;
      }
      for (let j = 0; j < records.length; j++) {
        const r = records[j];
        if (wantPut) {
          const latency = now - this.putAtOf(r);
          sumLatency += latency;
          if (latency > maxLatency) maxLatency = latency;
        }
        r.resolve(
          out.aggregated ? { shardId, sequenceNumber, subSequenceNumber: j, attempts: r.attempts } : { shardId, sequenceNumber, attempts: r.attempts },
        );
      }
      this.settleDelivered(records);
      okUser += records.length;
      okKinesis++;
      okBytes += out.bytes;
    }
    this.totals.userRecordsPut += okUser;
    this.totals.kinesisRecordsPut += okKinesis;
    if (okKinesis > 0 && wantPut) {
      this.events.emit('records-put', {
        streamName: this.o.streamName,
        userRecords: okUser,
        kinesisRecords: okKinesis,
        bytes: okBytes,
        requestDurationMs: now - sentAt,
        maxLatencyMs: maxLatency,
        meanLatencyMs: okUser > 0 ? sumLatency / okUser : 0,
      });
    }
    if (failed) {
      for (const group of failed) {
        if (group.failure.kind === 'throttled') this.onThrottled(group.channel, sentAt, group.kinesisRecords);
        this.retryOrFail(group.records, group.failure, group.channel, group.kinesisRecords, now);
      }
    }
  }

  private onCallError(batch: Batch, sentAt: number, error: unknown): void {
    const now = this.clock.now();
    const failure = classifyCallError(error);
    let userRecords = 0;
    for (const out of batch.records) userRecords += out.records.length;
    this.events.emit('request-error', {
      streamName: this.o.streamName,
      code: failure.code,
      kind: failure.kind,
      kinesisRecords: batch.records.length,
      userRecords,
      durationMs: now - sentAt,
    });
    this.logger.debug({ code: failure.code, kind: failure.kind, kinesisRecords: batch.records.length, err: error }, 'PutRecords call failed');
    const byChannel = new Map<ShardChannel, { records: PendingRecord[]; kinesisRecords: number }>();
    for (const out of batch.records) {
      let group = byChannel.get(out.channel);
      if (!group) byChannel.set(out.channel, (group = { records: [], kinesisRecords: 0 }));
      for (const r of out.records) group.records.push(r);
      group.kinesisRecords++;
    }
    for (const [ch, group] of byChannel) {
      if (failure.kind === 'throttled') this.onThrottled(ch, sentAt, group.kinesisRecords);
      this.retryOrFail(group.records, failure, ch, group.kinesisRecords, now);
    }
  }

  private onThrottled(ch: ShardChannel, sentAt: number, kinesisRecords: number): void {
    this.totals.throttles += kinesisRecords;
    if (!ch.limiter || !ch.shardId) return;
    const cut = ch.limiter.onThrottle(sentAt);
    if (cut) ch.limiterUntil = Math.max(ch.limiterUntil, this.clock.now() + 1);
    if (this.events.wants('throttle')) {
      this.events.emit('throttle', { streamName: this.o.streamName, shardId: ch.shardId, kinesisRecords, rateFactor: ch.limiter.rateFactor(), cut });
    }
  }

  /**
   * A success on another shard than predicted: the map is out of date (a reshard). The record is stored, and
   * sending it again would duplicate it (what the KPL does), so it stays a success; the map is refreshed, and
   * until then nothing is aggregated, since single records are routed right by Kinesis itself.
   *
   * An aggregate is different: built for the old shard, its sub-records may hash outside the shard that took it,
   * and a KCL then drops the whole aggregate (kds-reference.md §3.3). Once the new map is known, its placement
   * is checked (verifyPlacements): with `misplacedAggregates: 'report'` (default) the records resolve now and a
   * misplaced aggregate is reported ('misplaced-aggregate' event, warning log); with 'resend' they are held
   * (counted as in flight, so ordered mode keeps their place) and, if misplaced, sent again: exactly once for KCL
   * consumers, which never see the dropped aggregate. Returns true when the records were held.
   */
  private onWrongShard(out: OutgoingRecord, actualShardId: string, sequenceNumber: string): boolean {
    this.totals.wrongShard++;
    const first = out.records[0];
    const stale = this.refreshPolicy.observePlacement({ hashKey: first.hashKey, shardId: actualShardId });
    if (stale) {
      this.aggregationSuspended = true;
      this.logger.info({ predicted: out.channel.shardId, actual: actualShardId, aggregated: out.aggregated }, 'record landed on an unexpected shard: refreshing the shard map');
    }
    this.events.emit('wrong-shard', {
      streamName: this.o.streamName,
      predictedShardId: out.channel.shardId as string,
      actualShardId,
      userRecords: out.records.length,
      aggregated: out.aggregated,
    });
    this.queuePump();
    if (!out.aggregated) return false;
    const hold = this.o.misplacedAggregates === 'resend';
    this.placementChecks.push({ out, actualShardId, sequenceNumber, held: hold });
    if (hold) out.channel.inFlight++;
    // With the map already refreshed since the call was sent, the check can run now.
    if (!stale) this.verifyPlacements();
    return hold;
  }

  /** Checks held and reported aggregates against the current map (after a refresh). */
  private verifyPlacements(): void {
    const map = this.shardMap;
    if (!map || this.placementChecks.length === 0) return;
    const now = this.clock.now();
    const remaining: PlacementCheck[] = [];
    for (const check of this.placementChecks) {
      const shard = map.get(check.actualShardId);
      const records = check.out.records;
      if (!shard && records[0].deadline > now) {
        // The listing does not know the shard yet (eventually consistent): look again later.
        remaining.push(check);
        this.refreshPolicy.request('wrong-shard');
        continue;
      }
      let outside = 0;
      for (const r of records) if (!shard || r.hashKey < shard.start || r.hashKey > shard.end) outside++;
      if (outside > 0) {
        const action = check.held ? 'resent' : 'reported';
        this.logger.warn(
          { predicted: check.out.channel.shardId, actual: check.actualShardId, userRecords: records.length, outside, action },
          'an aggregate landed on a shard that does not own all of its records (a KCL drops such an aggregate)',
        );
        this.events.emit('misplaced-aggregate', {
          streamName: this.o.streamName,
          predictedShardId: check.out.channel.shardId as string,
          actualShardId: check.actualShardId,
          sequenceNumber: check.sequenceNumber,
          userRecords: records.length,
          outsideRecords: outside,
          action,
        });
      }
      if (!check.held) continue;
      if (outside > 0) {
        this.totals.retries += records.length;
        this.requeueAtHead(records, 0);
      } else {
        for (let j = 0; j < records.length; j++) {
          const r = records[j];
          r.resolve({ shardId: check.actualShardId, sequenceNumber: check.sequenceNumber, subSequenceNumber: j, attempts: r.attempts });
          this.settle(r, true);
        }
        this.totals.userRecordsPut += records.length;
      }
      check.out.channel.inFlight--;
    }
    this.placementChecks = remaining;
    if (this.retiredInFlight.length > 0) this.retiredInFlight = this.retiredInFlight.filter((ch) => ch.inFlight > 0);
    this.queuePump();
  }

  private retryOrFail(records: PendingRecord[], failure: ClassifiedFailure, ch: ShardChannel, kinesisRecords: number, now: number): void {
    const alive: PendingRecord[] = [];
    const expired: PendingRecord[] = [];
    let maxAttempts = 0;
    let earliestDeadline = Infinity;
    for (const r of records) {
      if (r.failure) {
        r.failure.lastErrorCode = failure.code;
        r.failure.lastErrorMessage = failure.message;
      } else {
        r.failure = { firstErrorCode: failure.code, lastErrorCode: failure.code, lastErrorMessage: failure.message, lastChance: false };
      }
      if (failure.kind === 'permanent') continue;
      if (r.deadline <= now) {
        expired.push(r);
        continue;
      }
      alive.push(r);
      if (r.attempts > maxAttempts) maxAttempts = r.attempts;
      if (r.deadline < earliestDeadline) earliestDeadline = r.deadline;
    }
    if (failure.kind === 'permanent') {
      this.fail(records, 'RECORD_REJECTED', ch, now, failure);
      return;
    }
    if (expired.length > 0 && this.o.expireBehind) {
      // Nothing of this shard may go out ahead of what just expired: the call's other records and the queue behind
      // them expire too, in order (the queue holds only records put later: ordered mode sends from its head).
      const behind = ch.queue.drain();
      this.queuedRecords -= behind.length;
      for (const r of behind) this.queuedBytes -= r.size;
      ch.queuedBytes = 0;
      this.fail([...records, ...behind], 'RECORD_EXPIRED', ch, now);
      return;
    }
    if (expired.length > 0) this.fail(expired, 'RECORD_EXPIRED', ch, now);
    if (alive.length === 0) return;
    const delay = this.backoff.delayMs(maxAttempts);
    let notBefore = now + delay;
    if (notBefore >= earliestDeadline) {
      // The backoff would outlast the time-to-live: one last attempt just before the deadline beats giving up,
      // but only one (a failure that fast would otherwise retry in a loop in the deadline's last millisecond).
      let lastChance = false;
      for (const r of alive) {
        const f = r.failure as AttemptFailures;
        if (!f.lastChance) lastChance = true;
        f.lastChance = true;
      }
      notBefore = lastChance && earliestDeadline - 1 > now ? earliestDeadline - 1 : earliestDeadline;
    }
    this.totals.retries += alive.length;
    if (this.o.ordered) {
      // Failed records keep their place: back to the head of their shard's queue, which waits for the backoff.
      this.requeueAtHead(alive, notBefore);
    } else {
      this.retryHeap.push(notBefore, alive);
      this.retryingRecords += alive.length;
    }
    if (this.events.wants('retry')) {
      this.events.emit('retry', {
        streamName: this.o.streamName,
        ...(ch.shardId ? { shardId: ch.shardId } : {}),
        userRecords: alive.length,
        kinesisRecords,
        code: failure.code,
        kind: failure.kind === 'throttled' ? 'throttled' : 'transient',
        delayMs: Math.max(0, notBefore - now),
        attempt: maxAttempts + 1,
      });
    }
  }

  /** Puts records (in put order) back at the head of the channels that own them now; they wait until `notBefore`. */
  private requeueAtHead(records: PendingRecord[], notBefore: number): void {
    for (const [ch, list] of this.groupByRoute(records)) {
      ch.unshiftAll(list);
      if (notBefore > ch.blockedUntil) ch.blockedUntil = notBefore;
      this.queuedRecords += list.length;
      for (const r of list) this.queuedBytes += r.size;
    }
  }

  /** Records by the channel that owns their hash key now, each group in the order given. */
  private groupByRoute(records: Iterable<PendingRecord>): Map<ShardChannel, PendingRecord[]> {
    const byChannel = new Map<ShardChannel, PendingRecord[]>();
    for (const r of records) {
      const ch = this.routeOf(r);
      const list = byChannel.get(ch);
      if (list) list.push(r);
      else byChannel.set(ch, [r]);
    }
    return byChannel;
  }


  private releaseRetries(now: number): void {
    if (this.retryHeap.size === 0 || this.retryHeap.peekKey() > now) return;
    // Everything due within a couple of milliseconds goes together, so that retries share calls.
    const collected: PendingRecord[] = [];
    while (this.retryHeap.size > 0 && this.retryHeap.peekKey() <= now + 2) {
      for (const r of this.retryHeap.pop() as PendingRecord[]) collected.push(r);
    }
    this.retryingRecords -= collected.length;
    collected.sort((a, b) => a.id - b.id);
    this.requeueAtHead(collected, 0);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Settlement, expiry, failure

  private settle(r: PendingRecord, admitted: boolean): void {
    if (admitted) {
      this.bufferedRecords--;
      this.bufferedBytes -= r.size;
      if (this.writableWaiters.length > 0) this.notifyWritable();
    }
    if (this.flushes.length > 0) {
      for (const f of this.flushes) {
        if (r.id <= f.upTo && --f.remaining === 0) f.resolve();
      }
      if (this.flushes.some((f) => f.remaining === 0)) this.flushes = this.flushes.filter((f) => f.remaining > 0);
    }
  }

  /** settle(r, true) for each of `records` (just resolved), with the buffer bookkeeping done once. */
  private settleDelivered(records: PendingRecord[]): void {
    let bytes = 0;
    for (let i = 0; i < records.length; i++) bytes += records[i].size;
    this.bufferedRecords -= records.length;
    this.bufferedBytes -= bytes;
    if (this.writableWaiters.length > 0) this.notifyWritable();
    if (this.flushes.length > 0) {
      for (const r of records) this.settle(r, false);
    }
  }

  /** Records whose time-to-live ended while queued or waiting for room. */
  private expire(now: number): void {
    if (this.placementChecks.length > 0) this.expirePlacementChecks(now);
    for (const ch of this.channelList) {
      let head = ch.queue.peek();
      if (!head || head.deadline > now) continue;
      // expireBehind: the call in flight holds older records of this shard; its answer decides (retryOrFail).
      if (this.o.expireBehind && ch.inFlight > 0) continue;
      const expired: PendingRecord[] = [];
      while (head && (head.deadline <= now || (this.o.expireBehind && expired.length > 0))) {
        expired.push(ch.shift());
        this.queuedRecords--;
        this.queuedBytes -= head.size;
        head = ch.queue.peek();
      }
      this.fail(expired, 'RECORD_EXPIRED', ch, now);
    }
    let waiter = this.waiters.peek();
    if (waiter && waiter.deadline <= now) {
      const expired: PendingRecord[] = [];
      while (waiter && waiter.deadline <= now) {
        expired.push(this.waiters.shift() as PendingRecord);
        waiter = this.waiters.peek();
      }
      this.fail(expired, 'RECORD_EXPIRED', undefined, now, undefined, false);
    }
  }

  /**
   * A held aggregate whose placement could not be verified within its records' time-to-live (no shard map could
   * be loaded): it is stored, so it counts as delivered, and is reported as possibly misplaced.
   */
  private expirePlacementChecks(now: number): void {
    const keep: PlacementCheck[] = [];
    for (const check of this.placementChecks) {
      const records = check.out.records;
      if (!check.held || records[0].deadline > now) {
        keep.push(check);
        continue;
      }
      this.events.emit('misplaced-aggregate', {
        streamName: this.o.streamName,
        predictedShardId: check.out.channel.shardId as string,
        actualShardId: check.actualShardId,
        sequenceNumber: check.sequenceNumber,
        userRecords: records.length,
        outsideRecords: records.length,
        action: 'reported',
      });
      for (let j = 0; j < records.length; j++) {
        const r = records[j];
        r.resolve({ shardId: check.actualShardId, sequenceNumber: check.sequenceNumber, subSequenceNumber: j, attempts: r.attempts });
        this.settle(r, true);
      }
      check.out.channel.inFlight--;
    }
    this.placementChecks = keep;
  }

  private fail(
    records: PendingRecord[],
    code: 'RECORD_EXPIRED' | 'RECORD_REJECTED',
    ch: ShardChannel | undefined,
    now: number,
    failure?: ClassifiedFailure,
    admitted = true,
  ): void {
    if (records.length === 0) return;
    const failures: FailedRecord[] = [];
    for (const r of records) {
      const context: DeliveryContext = {
        streamName: this.o.streamName,
        ...(ch?.shardId ? { shardId: ch.shardId } : {}),
        attempts: r.attempts,
        elapsedMs: now - this.putAtOf(r),
        ...(r.failure
          ? { firstErrorCode: r.failure.firstErrorCode, lastErrorCode: r.failure.lastErrorCode, lastErrorMessage: r.failure.lastErrorMessage }
          : {}),
      };
      const error = code === 'RECORD_EXPIRED' ? new RecordExpiredError(context) : new RecordRejectedError(context, failure);
      failures.push({
        partitionKey: r.partitionKey,
        ...(r.explicitHashKey !== undefined ? { explicitHashKey: r.explicitHashKey } : {}),
        data: r.data,
        error,
        putAt: this.putAtOf(r) + this.epoch,
      });
      // With a dead-letter hook the failure is handled there: an unobserved put() rejection must not crash the
      // app. The handler is attached only now, on failure (a catch per put would cost a promise per record).
      if (this.onFailure) r.promise?.catch(noop);
      r.reject(error);
      this.settle(r, admitted);
    }
    this.totals.failures += records.length;
    // Debug only: the delivery log summarises failures per interval (a warning per batch flooded the log, issue 12).
    this.logger.debug(
      { code, records: records.length, shardId: ch?.shardId, lastErrorCode: records[records.length - 1].failure?.lastErrorCode },
      code === 'RECORD_EXPIRED' ? 'records expired before Kinesis acknowledged them' : 'Kinesis rejected records',
    );
    this.events.emit('failure', {
      streamName: this.o.streamName,
      records: records.length,
      code,
      ...(records[records.length - 1].failure ? { lastErrorCode: records[records.length - 1].failure?.lastErrorCode } : {}),
    });
    if (this.onFailure) {
      try {
        const result = this.onFailure(failures);
        if (result && typeof (result as Promise<void>).then === 'function') {
          const p = (result as Promise<void>).then(noop, (err: unknown) => this.logger.error({ err }, 'the onFailure hook rejected'));
          this.hookPromises.add(p);
          void p.finally(() => this.hookPromises.delete(p));
        }
      } catch (err) {
        this.logger.error({ err }, 'the onFailure hook threw');
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Shard map

  private maybeRefreshShardMap(): void {
    if (this.refreshing) return;
    const reason = this.refreshPolicy.reason;
    if (reason === undefined || this.refreshPolicy.delayMs() > 0) return;
    this.refreshPolicy.started();
    const controller = new AbortController();
    const timeout = this.timers.setTimeout(() => controller.abort(), this.o.requestTimeoutMs);
    this.refreshing = loadShardMap(this.client, { streamName: this.o.streamName, streamArn: this.o.streamArn }, (this.shardMap?.version ?? 0) + 1, controller.signal)
      .then(
        (map) => this.installMap(map, reason),
        (err: unknown) => {
          this.refreshPolicy.failed();
          if (!this.shardMap) this.refreshFailedBeforeFirstMap = true;
          const failure = classifyCallError(err);
          this.logger.debug({ err, code: failure.code, failures: this.refreshPolicy.failures }, 'ListShards failed; records go unaggregated to their shard until it works');
          this.events.emit('shard-map-error', {
            streamName: this.o.streamName,
            code: failure.code,
            message: failure.message,
            consecutiveFailures: this.refreshPolicy.failures,
          });
        },
      )
      .finally(() => {
        this.timers.clearTimeout(timeout);
        this.refreshing = undefined;
        this.queuePump();
      });
  }

  /**
   * Switches to a new map. Channels of shards that kept their range are kept (with their limiter and in-flight
   * state); the records of the others move, in order, to the channels that own them now, ahead of anything
   * queued there (they are older). A replaced channel with calls in flight stays known until they complete,
   * and in ordered mode the channels overlapping it wait for that.
   */
  private installMap(map: ShardMap, reason: string): void {
    const changed = this.refreshPolicy.succeeded(map);
    const first = this.shardMap === undefined;
    this.shardMap = map;
    this.routeVersion++;
    this.refreshFailedBeforeFirstMap = false;
    this.aggregationSuspended = false;
    if (changed || first) {
      const old = this.channelList;
      const next = new Map<string, ShardChannel>();
      for (const s of map.shards) {
        const existing = this.channels.get(s.shardId);
        next.set(s.shardId, existing && existing.start === s.start && existing.end === s.end ? existing : this.newChannel(s.shardId, s.start, s.end));
      }
      this.channels = next;
      this.unmapped = ShardChannel.unmapped();
      this.channelList = [...next.values(), this.unmapped];
      for (const ch of old) {
        if (next.get(ch.shardId ?? '') === ch) continue;
        ch.retired = true;
        if (ch.inFlight > 0) this.retiredInFlight.push(ch);
        if (ch.queue.length === 0) continue;
        const moved = ch.queue.drain();
        ch.queuedBytes = 0;
        for (const [target, list] of this.groupByRoute(moved)) {
          target.unshiftAll(list);
          if (ch.blockedUntil > target.blockedUntil) target.blockedUntil = ch.blockedUntil;
        }
      }
    }
    this.verifyPlacements();
    this.logger.info({ version: map.version, shards: map.size, complete: map.complete, changed, reason }, 'shard map loaded');
    this.events.emit('shard-map', { streamName: this.o.streamName, version: map.version, shards: map.size, complete: map.complete, changed, reason });
  }

  private newChannel(shardId: string, start: bigint, end: bigint): ShardChannel {
    const limiter = new ShardRateLimiter({
      recordsPerSecond: this.o.shardRecordsPerSecond,
      bytesPerSecond: this.o.shardBytesPerSecond,
      decreaseFactor: this.o.throttleDecreaseFactor,
      recoveryPerSecond: this.o.throttleRecoveryPerSecond,
      minRateFactor: this.o.throttleMinRateFactor,
      clock: this.clock,
    });
    return new ShardChannel(shardId, start, end, limiter);
  }

  private emitBackpressure(waiting: boolean): void {
    if (!this.events.wants('backpressure')) return;
    this.events.emit('backpressure', {
      streamName: this.o.streamName,
      waiting,
      bufferedRecords: this.bufferedRecords,
      bufferedBytes: this.bufferedBytes,
      waitingPuts: this.waiters.length,
    });
  }
}

function invalidRecord(why: string, cause?: unknown): ProducerError {
  const message = cause instanceof PartitioningError ? why : `Invalid record: ${why}`;
  return new ProducerError('INVALID_RECORD', message, false, { cause });
}
