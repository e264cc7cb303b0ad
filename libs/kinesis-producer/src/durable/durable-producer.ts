/**
 * DurableProducer: store-and-forward in front of a KinesisProducer, for device-side users that must not lose
 * readings when the uplink drops (issue 12: a one-minute outage lost 30 s of telemetry while the video path of the
 * same device, spooled to disk, lost nothing).
 *
 * - While Kinesis takes records, put() goes straight to the producer and resolves `{ status: 'delivered' }`.
 * - A record the producer gives up on with a retriable failure (its time-to-live ran out) is spilled to the durable
 *   buffer (durable-buffer-store.ts), and from then on the wrapper is "spilling": every new put() is appended to
 *   the buffer behind it and resolves `{ status: 'buffered' }` once written (and fsynced). So is a put() made while
 *   the producer's memory is full (it would otherwise wait).
 * - A replay loop sends the buffer's records back through the producer, oldest first, a batch at a time: delivered
 *   ones are acknowledged (a segment whose records are all acknowledged is deleted), failed ones stay and are tried
 *   again after a pause. When the buffer is empty the wrapper goes back to sending directly.
 *
 * Per-key order. The producer must be created with `ordered: true, expireBehind: true`: a key's records are sent in
 * put() order, and when one expires, the records queued behind it on its shard expire with it (after the shard's
 * call in flight has answered), so they are spilled in order and nothing of that key goes out ahead of them.
 * Spilling starts synchronously, on the producer's `failure` event, before another put() can run, so every record
 * put after an expiry goes to the buffer. Each record gets a sequence number when put() accepts it, and the buffer
 * replays by sequence number, not by file order: a device's older records still in memory on another shard may
 * expire (and be spilled) after its newer ones went straight to disk. Replay starts only once no record put
 * directly is still in the producer, and a replay batch is settled completely before the next one is read. So each
 * key's records go to Kinesis in put() order, across the outage. (Found by the int test: replaying in file order
 * put a device's record 23 ahead of its 16–22.) (A record a Kinesis call stored but whose answer was lost, a timeout,
 * is sent again: a duplicate, as Kinesis' at-least-once delivery allows; consumers dedupe by a sequence.)
 *
 * A record in the buffer survives a restart: the next DurableProducer on the same directory replays it first.
 * A record still in the producer's memory when the process dies is not in the buffer yet (at most `recordTtlMs`
 * of records, bounded by the producer's buffer); close() waits until each of those is delivered or spilled.
 */
import { EventEmitter } from 'node:events';
import { assertValidPartitionKey } from '@tributary/partitioning';
import { noopLogger, systemClock, systemTimers, type Clock, type Logger, type Timers } from '@tributary/runtime';
import { DURABLE_BUFFER_DEFAULTS } from '../defaults';
import { DurableBufferStore, type BufferDropReason } from './durable-buffer-store';
import type { KinesisProducer } from '../producer/kinesis-producer';
import { ProducerClosedError, ProducerError } from '../errors';
import type { PutRecordInput, PutResult } from '../producer/producer-types';
import type { SpilledRecord } from './spill-frame-codec';

export interface DurableBufferOptions {
  /** Directory of the segment files (created when missing); one producer per directory. */
  dir: string;
  /** Bytes of segment files at most; beyond, the oldest records are dropped, counted (default 256 MiB). */
  maxBytes?: number;
  /** A buffered record older than this is dropped instead of replayed, counted (default 24 h). */
  maxAgeMs?: number;
  /** fsync every append before put() resolves (default true). */
  fsync?: boolean;
  /** Size at which a segment file is closed and a new one started (default: maxBytes / 8, at most 4 MiB). */
  segmentBytes?: number;
  /** Records sent back per replay round (default 1,000). */
  replayBatchRecords?: number;
  /** Pause after a replay round that delivered nothing (Kinesis still unreachable), ms (default 1,000). */
  replayPauseMs?: number;
}

export interface DurableProducerOptions {
  /** Created with `ordered: true, expireBehind: true` (checked); not closed by the wrapper. */
  producer: KinesisProducer;
  buffer: DurableBufferOptions;
  logger?: Logger;
  clock?: Clock;
  timers?: Timers;
}

export type DurablePutResult = { status: 'delivered'; result: PutResult } | { status: 'buffered'; seq: number };

export interface DurableProducerStats {
  /** 'direct': records go to Kinesis; 'spilling': new records go to the buffer until it is replayed. */
  mode: 'direct' | 'spilling';
  /** Records in the buffer not yet acknowledged, and their segment files' bytes. */
  bufferedRecords: number;
  bufferedBytes: number;
  segments: number;
  totals: { spilled: number; replayed: number; dropped: Record<BufferDropReason | 'rejected', number> };
}

export interface DurableProducerEvents {
  spilled: [{ records: number }];
  replayed: [{ records: number }];
  dropped: [{ records: number; reason: BufferDropReason | 'rejected' }];
}

interface SpillRequest {
  record: SpilledRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class DurableProducer extends EventEmitter<DurableProducerEvents> {
  private readonly producer: KinesisProducer;
  private readonly store: DurableBufferStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly batchRecords: number;
  private readonly pauseMs: number;
  private mode: 'direct' | 'spilling' = 'direct';
  private seq: number;
  /** Records put straight into the producer and not settled yet. */
  private direct = 0;
  private directDrained: Array<() => void> = [];
  private spillQueue: SpillRequest[] = [];
  private writing: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private loopRunning = false;
  private pause: { handle: unknown; resolve: () => void } | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly totals = { spilled: 0, replayed: 0, dropped: { 'max-bytes': 0, 'max-age': 0, rejected: 0 } };

  constructor(options: DurableProducerOptions) {
    super();
    const b = options.buffer;
    const d = DURABLE_BUFFER_DEFAULTS;
    if (!options.producer.keepsKeyOrderAcrossExpiry) {
      throw new ProducerError('INVALID_OPTION', 'Invalid producer option producer: a durable buffer needs a producer created with ordered: true and expireBehind: true (per-key order across spills).', false);
    }
    this.producer = options.producer;
    this.logger = (options.logger ?? noopLogger).child({ component: 'durable-buffer' });
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.batchRecords = b.replayBatchRecords ?? d.replayBatchRecords;
    this.pauseMs = b.replayPauseMs ?? d.replayPauseMs;
    this.store = new DurableBufferStore({
      dir: b.dir,
      maxBytes: b.maxBytes ?? d.maxBytes,
      maxAgeMs: b.maxAgeMs ?? d.maxAgeMs,
      fsync: b.fsync ?? true,
      ...(b.segmentBytes !== undefined ? { segmentBytes: b.segmentBytes } : {}),
      clock: this.clock,
      logger: this.logger,
      onDrop: (records, reason) => this.noteDropped(records, reason),
    });
    this.seq = this.store.maxSeq;
    // Synchronous, inside the producer's fail(): no put() can slip into the producer between an expiry and the
    // switch to spilling (it would overtake the expired records of its key).
    this.producer.on('failure', (e) => {
      if (e.code === 'RECORD_EXPIRED') this.startSpilling('expired');
    });
    if (this.store.pending > 0) this.startSpilling('outage');
  }

  /**
   * Resolves once the record is delivered (`delivered`) or durably buffered (`buffered`); rejects with a
   * ProducerError when it can be neither (INVALID_RECORD, RECORD_REJECTED, BUFFER_IO, PRODUCER_CLOSED).
   */
  put(input: PutRecordInput): Promise<DurablePutResult> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    try {
      assertValidPartitionKey(input.partitionKey);
    } catch (err) {
      return Promise.reject(new ProducerError('INVALID_RECORD', (err as Error).message, false, { cause: err }));
    }
    const data = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data;
    const record: SpilledRecord = { seq: ++this.seq, putAt: this.clock.now(), partitionKey: input.partitionKey, data };
    if (input.explicitHashKey !== undefined) record.explicitHashKey = input.explicitHashKey;
    if (this.mode === 'direct' && !this.producer.writable) this.startSpilling('backpressure');
    if (this.mode === 'spilling') return this.spill(record).then(() => ({ status: 'buffered', seq: record.seq }));
    this.direct++;
    return this.producer.put(input).then(
      (result) => {
        this.directSettled();
        return { status: 'delivered', result };
      },
      (err: unknown) => {
        this.directSettled();
        if (!(err instanceof ProducerError) || err.code !== 'RECORD_EXPIRED') throw err;
        // Spilling already started (failure event); the expired records of a batch reach here in order.
        return this.spill(record).then(() => ({ status: 'buffered', seq: record.seq }) as const);
      },
    );
  }

  /** Always true: a record that cannot go now goes to the buffer (whose bounds drop the oldest, never wait). */
  get writable(): boolean {
    return true;
  }

  whenWritable(): Promise<void> {
    return Promise.resolve();
  }

  stats(): DurableProducerStats {
    const s = this.store.stats();
    return {
      mode: this.mode,
      bufferedRecords: s.pendingRecords + this.spillQueue.length,
      bufferedBytes: s.bytes,
      segments: s.segments,
      totals: { spilled: this.totals.spilled, replayed: this.totals.replayed, dropped: { ...this.totals.dropped } },
    };
  }

  /**
   * Refuses new records, waits until every record put directly is delivered or spilled and every spill is written,
   * stops replaying (the current round settles first) and closes the files. The producer is not closed.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.wakeReplay();
      await this.untilDirectDrained();
      await this.writesDone();
      await this.replaying;
      await this.writesDone();
      await this.store.close();
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------------------------

  private startSpilling(reason: 'expired' | 'outage' | 'backpressure'): void {
    if (this.mode === 'spilling' || this.closed) return;
    this.mode = 'spilling';
    this.logger.warn({ reason, bufferedRecords: this.store.pending }, 'durable buffer: spilling records to disk until Kinesis takes them again');
    // A loop still settling its last batch (it switched to direct early, see below) goes on as the loop.
    if (this.loopRunning) return;
    this.replaying = this.replayLoop().catch((err: unknown) => this.logger.error({ err }, 'durable buffer: replay stopped by an error'));
  }

  private spill(record: SpilledRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.spillQueue.push({ record, resolve, reject });
      this.writing ??= this.writeSpills();
    });
  }

  /** Group commit: whatever queued while a write ran goes in the next write, in order. */
  private async writeSpills(): Promise<void> {
    while (this.spillQueue.length > 0) {
      const batch = this.spillQueue;
      this.spillQueue = [];
      try {
        await this.store.append(batch.map((r) => r.record));
        this.totals.spilled += batch.length;
        this.producer.countInDeliveryLog('spilled', batch.length);
        this.emit('spilled', { records: batch.length });
        for (const r of batch) r.resolve();
      } catch (err) {
        this.logger.error({ err, records: batch.length }, 'durable buffer: could not write records; they are lost');
        for (const r of batch) r.reject(err);
      }
    }
    this.writing = undefined;
  }

  private async writesDone(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private directSettled(): void {
    if (--this.direct > 0) return;
    const waiting = this.directDrained;
    this.directDrained = [];
    for (const resolve of waiting) resolve();
  }

  private untilDirectDrained(): Promise<void> {
    if (this.direct === 0) return Promise.resolve();
    return new Promise((resolve) => this.directDrained.push(resolve));
  }

  private async replayLoop(): Promise<void> {
    this.loopRunning = true;
    // Whether the last round delivered anything: the evidence that Kinesis takes records again.
    let lastRoundDelivered = false;
    try {
      while (!this.closed && this.mode === 'spilling') {
        // Records put directly before spilling began are older than anything spilled after them: they settle first.
        await this.untilDirectDrained();
        await this.writesDone();
        const batch = await this.store.peek(this.batchRecords);
        if (batch.length === 0) {
          if (this.spillQueue.length > 0 || this.writing) continue;
          this.goDirect();
          return;
        }
        const puts = batch.map((r) =>
          this.producer.put(r.explicitHashKey === undefined ? { partitionKey: r.partitionKey, data: r.data } : { partitionKey: r.partitionKey, data: r.data, explicitHashKey: r.explicitHashKey }),
        );
        // This batch is all that waits and the last round was delivered: later records may go straight to the
        // producer, queued behind it (ordered mode). Waiting for an empty buffer instead never ends while devices keep
        // producing (found by the app's int test); doing it without evidence that Kinesis is back flips back and forth.
        if (lastRoundDelivered && this.store.pending === batch.length && this.spillQueue.length === 0 && !this.writing) this.goDirect();
        const settled = await Promise.allSettled(puts);
        const done = new Set<number>();
        let delivered = 0;
        let rejected = 0;
        for (let i = 0; i < batch.length; i++) {
          const s = settled[i];
          if (s.status === 'fulfilled') {
            delivered++;
            done.add(batch[i].seq);
          } else if (!(s.reason instanceof ProducerError) || !s.reason.retriable) {
            // Kinesis refused it for good (or it is invalid): replaying it again cannot help.
            rejected++;
            done.add(batch[i].seq);
          }
        }
        await this.store.ack(done);
        lastRoundDelivered = delivered > 0;
        if (delivered > 0) {
          this.totals.replayed += delivered;
          this.producer.countInDeliveryLog('replayed', delivered);
          this.emit('replayed', { records: delivered });
        }
        if (rejected > 0) {
          this.logger.warn({ records: rejected, error: (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason?.message }, 'durable buffer: Kinesis rejected buffered records; dropped');
          this.noteDropped(rejected, 'rejected');
        }
        if (delivered === 0 && rejected === 0 && this.mode === 'spilling' && !this.closed) await this.sleep(this.pauseMs);
      }
    } finally {
      this.loopRunning = false;
    }
  }

  private goDirect(): void {
    this.mode = 'direct';
    this.logger.info({ replayed: this.totals.replayed }, 'durable buffer drained: sending directly again');
  }

  private noteDropped(records: number, reason: BufferDropReason | 'rejected'): void {
    this.totals.dropped[reason] += records;
    this.producer.countInDeliveryLog('dropped', records);
    this.emit('dropped', { records, reason });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.pause = undefined;
        resolve();
      }, ms);
      this.pause = { handle, resolve };
    });
  }

  private wakeReplay(): void {
    if (!this.pause) return;
    this.timers.clearTimeout(this.pause.handle);
    const { resolve } = this.pause;
    this.pause = undefined;
    resolve();
  }
}
