/**
 * Intake: put() → a validated PendingRecord with its partition key's facts (KeyInfo: UTF-8 length, MD5 hash key,
 * route) → the queue of its predicted shard, or the line of put() calls waiting for room (backpressure). Decides
 * whether the pump must run now (a size trigger, a flush, no shard map yet) or when the record's linger ends.
 */
import { MAX_PARTITION_KEY_LENGTH, PartitioningError, assertValidPartitionKey, parseExplicitHashKey } from '@tributary/partitioning';
import { ProducerClosedError, ProducerError } from '../errors';
import type { ProducerBuffer } from '../producer/producer-buffer';
import type { ProducerContext } from '../producer/producer-context';
import type { ResolvedOptions } from '../producer/producer-options';
import type { PutRecordInput, PutResult } from '../producer/producer-types';
import { PendingRecord } from '../routing/shard-channel';
import type { ShardRouter } from '../routing/shard-router';
import { KeyInfoCache } from './key-info';

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

export class RecordIntake {
  private readonly o: ResolvedOptions;
  /** Partition key → its hash key, UTF-8 length, route and aggregate table slot. */
  private readonly keys: KeyInfoCache;
  private backpressured = false;

  constructor(
    private readonly ctx: ProducerContext,
    private readonly buffer: ProducerBuffer,
    private readonly router: ShardRouter,
  ) {
    this.o = ctx.o;
    this.keys = new KeyInfoCache(ctx.o.hashKeyCacheSize);
  }

  /** KinesisProducer.put (see there). */
  put(input: PutRecordInput): Promise<PutResult> {
    const buffer = this.buffer;
    if (buffer.closed) return Promise.reject(new ProducerClosedError());
    // One clock read per put: its put time, deadline and admission time.
    const now = this.ctx.clock.now();
    let record: PendingRecord;
    try {
      record = this.prepare(input, now);
    } catch (err) {
      return Promise.reject(err);
    }
    pendingForExecutor = record;
    const promise = new Promise<PutResult>(attachSettlers);
    record.promise = promise;
    if (buffer.waiters.length > 0 || !buffer.hasRoom(record.size)) {
      buffer.waiters.push(record);
      if (!this.backpressured) {
        this.backpressured = true;
        this.emitBackpressure(true);
      }
      this.ctx.pump.queue();
      return promise;
    }
    this.admit(record, now);
    return promise;
  }

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
    const record = new PendingRecord(this.buffer.nextId++, key, explicitHashKey, data, hashKey, size, now + this.o.recordTtlMs);
    if (input.preAggregated === true) record.alone = true;
    return record;
  }

  /** Takes `record` into the buffer and the queue of its predicted shard. */
  private admit(record: PendingRecord, now: number): void {
    const b = this.buffer;
    const o = this.o;
    b.bufferedRecords++;
    b.bufferedBytes += record.size;
    record.enqueuedAt = now;
    this.router.routeOf(record).push(record);
    const bytesBefore = b.queuedBytes;
    b.queuedRecords++;
    b.queuedBytes += record.size;
    // Size triggers fire when the queue crosses a full call's worth (edge, not level: while the calls in flight
    // are at their maximum, every further put would otherwise queue a pump that can send nothing), and when this
    // record fills the buffer: from then on the pump sends without lingering (`flushing`), and a caller about to
    // wait for room (whenWritable) must not wait for the linger timer as well (a buffer smaller than a call's
    // worth used to stall for the linger on every refill: 136,000 records/s at 20,000 records, measured).
    if (
      b.flushRequested ||
      this.router.shardMap === undefined ||
      (bytesBefore < o.collectionMaxBytes && b.queuedBytes >= o.collectionMaxBytes) ||
      (!o.aggregation && b.queuedRecords === o.collectionMaxCount) ||
      b.bufferedRecords === o.maxBufferedRecords ||
      (b.bufferedBytes >= o.maxBufferedBytes && b.bufferedBytes - record.size < o.maxBufferedBytes)
    ) {
      this.ctx.pump.queue();
    } else {
      this.ctx.pump.armWake(now + o.maxBufferedTimeMs, now);
    }
  }

  /** Admits the put() calls waiting for room, in order, while there is room. */
  admitWaiters(now: number): void {
    const waiters = this.buffer.waiters;
    while (waiters.length > 0 && this.buffer.hasRoom((waiters.peek() as PendingRecord).size)) {
      this.admit(waiters.shift() as PendingRecord, now);
    }
    if (this.backpressured && waiters.length === 0) {
      this.backpressured = false;
      this.emitBackpressure(false);
    }
    this.buffer.notifyWritable();
  }

  private emitBackpressure(waiting: boolean): void {
    const events = this.ctx.events;
    if (!events.wants('backpressure')) return;
    events.emit('backpressure', {
      streamName: this.o.streamName,
      waiting,
      bufferedRecords: this.buffer.bufferedRecords,
      bufferedBytes: this.buffer.bufferedBytes,
      waitingPuts: this.buffer.waiters.length,
    });
  }
}

function invalidRecord(why: string, cause?: unknown): ProducerError {
  const message = cause instanceof PartitioningError ? why : `Invalid record: ${why}`;
  return new ProducerError('INVALID_RECORD', message, false, { cause });
}
