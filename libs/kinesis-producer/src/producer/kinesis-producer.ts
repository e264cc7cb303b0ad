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
import { installFastPutRecordsBody } from '../dispatch/put-records-body-codec';
import { createKinesisClient } from '../dispatch/kinesis-client-factory';
import { PutRecordsDispatcher } from '../dispatch/put-records-dispatcher';
import { BatchBuilder } from '../batching/batch-builder';
import { RecordIntake } from '../intake/record-intake';
import { RetryScheduler } from '../retry/retry-scheduler';
import { PlacementChecker } from '../routing/placement-checker';
import { ShardRouter } from '../routing/shard-router';
import { summarizeDeliveries, type DeliveryLogSummarizer, type DeliveryStatus } from './delivery-log-summarizer';
import { FailureReporter } from './failure-reporter';
import { ProducerBuffer } from './producer-buffer';
import type { ProducerContext } from './producer-context';
import { ProducerEvents, type ProducerEventMap, type ProducerEventName } from './producer-events';
import { noopLogger, resolveOptions, systemTimers, type KinesisClientLike, type KinesisProducerOptions, type ResolvedOptions } from './producer-options';
import type { ProducerStats, PutRecordInput, PutResult } from './producer-types';
import { PumpScheduler } from './pump-scheduler';

/**
 * The public face and the pump. The parts, each in its own folder: intake (RecordIntake: validation, key info,
 * admission, backpressure), routing (ShardRouter: shard map, predicted shard, refresh; PlacementChecker:
 * wrong-shard answers), batching (BatchBuilder: records → PutRecords calls, pure), dispatch
 * (PutRecordsDispatcher: calls in flight, answers), retry (RetryScheduler: backoff, TTL expiry, throttling
 * feedback), and the books they share (ProducerBuffer) and the failure hook (FailureReporter).
 */
export class KinesisProducer {
  private readonly o: ResolvedOptions;
  private readonly ctx: ProducerContext;
  private readonly client: KinesisClientLike;
  private readonly ownsClient: boolean;
  private readonly deliveryLog: DeliveryLogSummarizer;
  private readonly buffer: ProducerBuffer;
  private readonly router: ShardRouter;
  private readonly intake: RecordIntake;
  private readonly builder: BatchBuilder;
  private readonly dispatcher: PutRecordsDispatcher;
  private readonly retries: RetryScheduler;
  private readonly placement: PlacementChecker;
  private readonly failures: FailureReporter;
  private readonly scheduler: PumpScheduler;
  private readonly totals = { userRecordsPut: 0, kinesisRecordsPut: 0, putRecordsCalls: 0, retries: 0, throttles: 0, failures: 0, wrongShard: 0 };
  private closing: Promise<void> | undefined;

  constructor(options: KinesisProducerOptions) {
    const o = (this.o = resolveOptions(options));
    this.ownsClient = options.client === undefined;
    let fastBody = false;
    if (options.client) {
      this.client = options.client;
    } else {
      const own = createKinesisClient(options.clientOptions);
      installFastPutRecordsBody(own);
      this.client = own;
      fastBody = true;
    }
    this.ctx = this.createContext(options);
    // Failing deliveries are logged here, summarised per interval; fail() and the ListShards error only log at debug.
    this.deliveryLog = summarizeDeliveries(this.ctx.events, {
      logger: this.ctx.logger,
      clock: options.clock ?? { now: () => Date.now() },
      intervalMs: o.logSummaryIntervalMs,
      subject: 'Kinesis',
    });
    this.scheduler = this.ctx.pump;
    this.buffer = new ProducerBuffer(o.maxBufferedRecords, o.maxBufferedBytes);
    this.router = new ShardRouter(this.ctx, this.client);
    this.failures = new FailureReporter(this.ctx, this.buffer, options.onFailure);
    this.retries = new RetryScheduler(this.ctx, this.buffer, this.router, this.failures, options.random ?? Math.random);
    this.placement = new PlacementChecker(this.ctx, this.buffer, this.router, this.retries);
    this.router.onMapInstalled = () => this.placement.verify();
    this.intake = new RecordIntake(this.ctx, this.buffer, this.router);
    this.builder = new BatchBuilder(o);
    const targets = { buffer: this.buffer, router: this.router, retries: this.retries, placement: this.placement };
    this.dispatcher = new PutRecordsDispatcher(this.ctx, this.client, fastBody, targets);
  }

  private createContext(options: KinesisProducerOptions): ProducerContext {
    // Internally, time is milliseconds since the producer was created (see ProducerContext.clock).
    const base = options.clock;
    const epoch = base ? base.now() : Date.now();
    const timers = options.timers ?? systemTimers;
    const logger = (options.logger ?? noopLogger).child({ component: 'kinesis-producer', stream: this.o.streamName });
    return {
      o: this.o,
      clock: base ? { now: () => base.now() - epoch } : { now: () => Date.now() - epoch },
      epoch,
      timers,
      logger,
      events: new ProducerEvents((event, err) => logger.error({ err, event }, 'a producer event listener threw')),
      totals: this.totals,
      pump: new PumpScheduler(timers, () => this.pump()),
    };
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
    return this.intake.put(input);
  }

  /** Sends everything put so far without waiting for the linger time; resolves when all of it has settled. */
  flush(): Promise<void> {
    const settled = this.buffer.whenSettled();
    if (!settled) return Promise.resolve();
    this.scheduler.queue();
    return settled;
  }

  /**
   * Refuses new records, drains the buffer (every record is delivered, or fails after its time-to-live and goes
   * to onFailure), waits for the onFailure hooks, and releases the default client's sockets.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.buffer.closed = true;
      await this.flush();
      await this.router.refreshing;
      this.scheduler.clearWake();
      this.buffer.notifyWritable();
      await this.failures.drained();
      this.deliveryLog.flush();
      if (this.ownsClient) (this.client as { destroy?: () => void }).destroy?.();
    })();
    return this.closing;
  }

  on<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.ctx.events.on(event, listener);
    return this;
  }

  once<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.ctx.events.once(event, listener);
    return this;
  }

  off<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.ctx.events.off(event, listener);
    return this;
  }

  /** False while put() calls would wait for room (for callers that do not await each put). */
  get writable(): boolean {
    return this.buffer.writable;
  }

  /** Resolves once put() would not wait (immediately when it would not now). */
  whenWritable(): Promise<void> {
    if (this.buffer.writable || this.buffer.closed) return Promise.resolve();
    // A waiting caller makes the pump send without lingering (`flushing`): let it run now, not at the next timer.
    this.scheduler.queue();
    return this.buffer.whenWritable();
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
    return this.router.shardMap?.version ?? 0;
  }

  stats(): ProducerStats {
    return {
      bufferedRecords: this.buffer.bufferedRecords,
      bufferedBytes: this.buffer.bufferedBytes,
      waitingPuts: this.buffer.waiters.length,
      inFlightRequests: this.dispatcher.inFlight,
      retryingRecords: this.retries.retryingRecords,
      shardMapVersion: this.shardMapVersion,
      shards: this.router.shardMap?.size ?? 0,
      shardRateFactors: this.router.rateFactors(),
      totals: { ...this.totals },
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // The pump (run by PumpScheduler)

  private pump(): void {
    const now = this.ctx.clock.now();
    try {
      this.router.maybeRefresh();
      this.retries.releaseRetries(now);
      if (this.placement.pending) this.placement.expire(now);
      this.retries.expire(now);
      this.intake.admitWaiters(now);
      const max = this.o.maxConcurrentRequests;
      while (this.dispatcher.inFlight < max) {
        const batch = this.builder.build(this.router, this.buffer, now, this.buffer.flushing);
        if (!batch) break;
        this.dispatcher.send(batch, now);
      }
    } catch (err) {
      // A bug, never an expected path: say so loudly, and keep the timer going so that work resumes.
      this.ctx.logger.error({ err }, 'internal error in the producer pump');
    }
    this.armNextWake(now);
  }

  /** Sets the wake timer to the next moment the pump has something to do (never "now": no spinning). */
  private armNextWake(now: number): void {
    let next = this.retries.nextRetryAt;
    const linger = this.o.maxBufferedTimeMs;
    const canSend = this.dispatcher.inFlight < this.o.maxConcurrentRequests;
    const flushing = canSend && this.buffer.flushing;
    for (const ch of this.router.channelList) {
      const head = ch.queue.peek();
      if (!head) continue;
      if (head.deadline < next) next = head.deadline;
      if (!canSend) continue;
      const dueAt = flushing ? now : head.enqueuedAt + linger;
      // Waiting for an in-flight call (ordered mode) or for the first map: their completion pumps.
      const waitsFor = Math.max(dueAt, ch.blockedUntil, ch.limiterUntil);
      if (waitsFor > now && waitsFor < next) next = waitsFor;
    }
    const waiter = this.buffer.waiters.peek();
    if (waiter && waiter.deadline < next) next = waiter.deadline;
    const refreshAt = this.router.refreshDueAt(now, this.buffer.bufferedRecords + this.buffer.waiters.length > 0);
    if (refreshAt < next) next = refreshAt;
    if (next === Infinity) return;
    this.scheduler.armWake(Math.max(next, now + 1), now);
  }
}
