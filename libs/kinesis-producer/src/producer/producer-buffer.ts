/**
 * The producer's books: what it holds (records accepted and not yet settled: buffered; of those, the ones in a
 * channel queue: queued), who waits on it (put() calls waiting for room, whenWritable() and flush() callers), and
 * the settlement of a record, which frees its room and counts it towards the flushes waiting for it.
 *
 * Backpressure and memory (README): beyond `maxBufferedRecords` or `maxBufferedBytes` put() does not queue its
 * record; it waits here, in put order, until room frees up.
 */
import { RecordDeque } from '../queues/record-deque';
import type { PendingRecord } from '../routing/shard-channel';
import type { QueueCounters } from '../batching/batch-builder';

interface FlushWaiter {
  upTo: number;
  remaining: number;
  resolve: () => void;
}

export class ProducerBuffer implements QueueCounters {
  bufferedRecords = 0;
  bufferedBytes = 0;
  queuedRecords = 0;
  queuedBytes = 0;
  /** The id of the next record put (ids follow put order). */
  nextId = 0;
  /** close() was called: put() refuses, and the pump sends without lingering. */
  closed = false;
  /** put() calls waiting for room, in put order. */
  readonly waiters = new RecordDeque<PendingRecord>();
  private writableWaiters: Array<() => void> = [];
  private flushes: FlushWaiter[] = [];

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  get flushRequested(): boolean {
    return this.flushes.length > 0;
  }

  hasRoom(size: number): boolean {
    if (this.bufferedRecords === 0) return true; // a single record larger than the byte bound still goes
    return this.bufferedRecords < this.maxRecords && this.bufferedBytes + size <= this.maxBytes;
  }

  /** False while put() calls would wait for room. */
  get writable(): boolean {
    return this.waiters.length === 0 && this.bufferedRecords < this.maxRecords && this.bufferedBytes < this.maxBytes;
  }

  /**
   * Send without lingering: on flush() and close(), and while the buffer is full or callers wait for room (in
   * put() or whenWritable(): lingering would only keep them waiting longer; a full buffer is a size trigger).
   */
  get flushing(): boolean {
    return (
      this.flushes.length > 0 ||
      this.closed ||
      this.waiters.length > 0 ||
      this.writableWaiters.length > 0 ||
      this.bufferedRecords >= this.maxRecords ||
      this.bufferedBytes >= this.maxBytes
    );
  }

  /** Resolves once put() would not wait (or the producer is closed); the caller makes the pump run. */
  whenWritable(): Promise<void> {
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  notifyWritable(): void {
    if (this.writableWaiters.length === 0 || !(this.writable || this.closed)) return;
    const waiting = this.writableWaiters;
    this.writableWaiters = [];
    for (const resolve of waiting) resolve();
  }

  /** Resolves when every record put so far has settled; undefined when none is outstanding. */
  whenSettled(): Promise<void> | undefined {
    const outstanding = this.bufferedRecords + this.waiters.length;
    if (outstanding === 0) return undefined;
    return new Promise((resolve) => {
      this.flushes.push({ upTo: this.nextId - 1, remaining: outstanding, resolve });
    });
  }

  /** `r` is settled (resolved or rejected); `admitted`: it held room in the buffer (it was not waiting for room). */
  settle(r: PendingRecord, admitted: boolean): void {
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
  settleDelivered(records: PendingRecord[]): void {
    let bytes = 0;
    for (let i = 0; i < records.length; i++) bytes += records[i].size;
    this.bufferedRecords -= records.length;
    this.bufferedBytes -= bytes;
    if (this.writableWaiters.length > 0) this.notifyWritable();
    if (this.flushes.length > 0) {
      for (const r of records) this.settle(r, false);
    }
  }
}
