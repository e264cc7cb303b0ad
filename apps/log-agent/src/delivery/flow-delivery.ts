/**
 * One flow's delivery: the tailer's chunks → processing (framing, dataProcessingOptions, truncation) → the
 * stream's KinesisProducer, and each acknowledgement back to the tailer, whose AckTracker moves the file's
 * checkpoint only past acknowledged lines (checkpoint/ack-tracker.ts).
 *
 * Backpressure: the tailer awaits `onChunk` (at most one chunk per flow is here), and `onChunk` does not return
 * while the producer's buffer is full (its records and bytes bounds, producer-settings.ts): Kinesis slow,
 * throttling or away means the producer's buffer stays full, `onChunk` waits, and the tailer stops reading. Memory
 * is bounded by the producer's bounds plus one chunk per flow.
 *
 * At least once, bounded: a record's bytes are announced to the tailer (recordSent) before it is put, and acked
 * (recordAcked) only when Kinesis stored it; a record that expires in the producer (no answer within its TTL) is
 * put again, so none is given up while Kinesis is away. After kill -9, the checkpoint stands at the start of the
 * oldest unacknowledged record: what was in flight (at most the producer's buffer) is sent again, nothing is lost.
 * A record Kinesis refuses for good (RECORD_REJECTED: not retriable) is counted, logged and passed, so one poison
 * record does not hold a file forever; processing keeps records under the size limit, so it does not happen.
 *
 * Aggregates (`aggregateMaxBytes`, set for RANDOM keys with aggregation on): the agent builds the KPL aggregates
 * itself, per chunk, each a run of consecutive records under one random partition key (every user record of it
 * carries the aggregate's key, so the KCL finds them all on the shard the key routes to), and puts each as one
 * pre-aggregated record: one put, one promise, one key and one MD5 of it per aggregate rather than per line, and
 * the producer neither re-aggregates nor re-hashes the lines. A run of one record is put as that record (KPL).
 * Counts (sent, acked, in flight, the in-flight bound) stay in user records, so the memory bound is unchanged.
 * On the hot path (RecordProcessor.pushPacked) the chunk's records come packed back to back in one buffer with
 * their ends, and each aggregate is encoded from it (encodeSingleKeyAggregatePacked): no Buffer or object per line.
 */
import type { KinesisProducer, ProducerError } from '@tributary/kinesis-producer';
import { encodeSingleKeyAggregate, encodeSingleKeyAggregatePacked, singleKeyAggregateBytes, singleKeyRecordBytes } from '@tributary/kpl';
import type { Clock, Logger } from '@tributary/runtime';
import type { FlowProcessing, PackedRecords, ProcessedRecord, ProcessingCounters, RecordProcessor } from '../processing';
import type { TailChunk, TrackedFileId } from '../tailing/tailer-types';
import type { PartitionKeyFn } from './partition-key';

/** The part of the tailer delivery calls (tailing/tailer-types.ts). */
export interface AckSink {
  recordSent(file: TrackedFileId, start: number, end: number): void;
  recordAcked(file: TrackedFileId, start: number, end: number): void;
  bytesConsumed(file: TrackedFileId, offset: number): void;
}

/** The part of KinesisProducer delivery uses (a fake in unit specs). */
export type DeliveryProducer = Pick<KinesisProducer, 'put' | 'writable' | 'whenWritable' | 'flush'>;

export interface FlowDeliveryOptions {
  flowId: string;
  producer: DeliveryProducer;
  processing: FlowProcessing;
  counters: ProcessingCounters;
  partitionKey: PartitionKeyFn;
  /** Largest data of one record (1 MiB minus the longest partition key this flow makes). */
  maxDataBytes: number;
  clock: Clock;
  logger: Logger;
  /**
   * Records of this flow in flight at most (the producer's record bound): once reached, no record is put until
   * half of them are acknowledged. Without this low-water mark the producer's buffer would hover at its bound
   * and every freed slot would go out in a PutRecords call of its own (a full buffer sends without lingering).
   */
  maxInFlight?: number;
  /**
   * Put the chunk's records as aggregates of at most this many bytes under one key each (see the file header);
   * undefined: one put per record. Only for keys that do not depend on the data (RANDOM).
   */
  aggregateMaxBytes?: number;
  /**
   * A multi-line record waiting at the end of a file that stays quiet this long is sent (the flow's
   * maxBufferAgeMillis): it is complete once no line follows, and would otherwise wait for the next record or a
   * rotation. Undefined: it waits.
   */
  quietFlushMs?: number;
}

export interface FlowDeliveryStats {
  recordsSent: number;
  recordsAcked: number;
  bytesSent: number;
  /** Records put again after they expired unacknowledged in the producer (Kinesis away longer than the TTL). */
  recordsResent: number;
  /** Records Kinesis refused for good (passed, see file header). */
  recordsRejected: number;
  /** Records put and not yet acknowledged. */
  inFlight: number;
  /** Time since the oldest unacknowledged record's chunk was read (0 when none is waiting). */
  oldestUnackedAgeMs: number;
}

/**
 * One chunk's records in flight: announced to the tailer as one range [start, end) and acknowledged as one when
 * `outstanding` reaches 0. Kept per file, oldest first, for the age of the oldest unsent line.
 */
interface ChunkMark {
  readAt: number;
  /** Records not yet settled, plus 1 while the chunk is still being put. */
  outstanding: number;
  file: TrackedFileId;
  /** Byte range of the records put (start -1: none). */
  start: number;
  end: number;
  announced: boolean;
  /** A record of it was given up (shutdown): the range is never acknowledged. */
  failed: boolean;
}

interface FileState {
  processor: RecordProcessor;
  marks: ChunkMark[];
  /** The quiet-file flush armed for a waiting multi-line record (see quietFlushMs). */
  quietTimer: NodeJS.Timeout | undefined;
}

const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);
/** The longest partition key (256 characters of at most 3 UTF-8 bytes): room kept when cutting aggregates. */
const MAX_KEY_BYTES = 256 * 3;

export class FlowDelivery {
  private tailer: AckSink | undefined;
  private readonly files = new Map<TrackedFileId, FileState>();
  private readonly totals = { recordsSent: 0, recordsAcked: 0, bytesSent: 0, recordsResent: 0, recordsRejected: 0 };
  private inFlight = 0;
  private closing = false;
  private idle: (() => void)[] = [];
  private readonly maxInFlight: number;
  private readonly lowWater: number;
  private belowLowWater: (() => void) | undefined;
  /** The records of the aggregate being cut (reused: no array per aggregate). */
  private readonly run: Uint8Array[] = [];
  /** A chunk (or a quiet-file flush) is being put: a flush timer firing then waits for its end. */
  private busy = false;

  constructor(private readonly o: FlowDeliveryOptions) {
    this.maxInFlight = o.maxInFlight ?? Infinity;
    this.lowWater = Math.floor(this.maxInFlight / 2);
  }

  /** The tailer the acknowledgements go to (set once, before the first chunk). */
  bindTailer(tailer: AckSink): void {
    this.tailer = tailer;
  }

  /**
   * The tailer's onChunk: resolves once every record of the chunk is in the producer (backpressure). The records
   * of one chunk are announced to the tailer as one range (from the first record put to the end of the last) and
   * acknowledged as one once Kinesis acknowledged each of them: one AckTracker step per chunk rather than per line
   * (a chunk is at most 256 KiB; after kill -9 the in-flight chunks are read again, the in-flight bound the same).
   */
  async onChunk(chunk: TailChunk): Promise<void> {
    this.requireTailer();
    if (this.closing) return;
    const state = this.fileState(chunk);
    this.disarmQuietFlush(state);
    this.busy = true;
    try {
      const max = this.o.aggregateMaxBytes;
      const packed = max !== undefined && !chunk.endOfFile ? state.processor.pushPacked(chunk.chunk, chunk.startOffset) : undefined;
      if (packed) await this.deliverWith(state, chunk.file, chunk.endOffset, (mark) => this.putPackedRuns(packed, chunk.endOffset, mark, max ?? 0));
      else await this.deliver(state, chunk.file, this.process(state.processor, chunk), chunk.endOffset);
    } finally {
      this.busy = false;
    }
    if (this.o.quietFlushMs !== undefined && state.processor.waitingRecord && !this.closing) this.armQuietFlush(chunk.file, state, this.o.quietFlushMs);
  }

  /** Puts `records` of `file` (bytes up to `endOffset`) as one range for the tracker (see onChunk). */
  private deliver(state: FileState, file: TrackedFileId, records: ProcessedRecord[], endOffset: number): Promise<void> {
    const max = this.o.aggregateMaxBytes;
    return this.deliverWith(state, file, endOffset, (mark) =>
      max === undefined ? this.putEach(records, endOffset, mark) : this.putRuns(records, endOffset, mark, max),
    );
  }

  /** Puts a chunk's records through `putAll` (bytes up to `endOffset`) as one range for the tracker (see onChunk). */
  private async deliverWith(state: FileState, file: TrackedFileId, endOffset: number, putAll: (mark: ChunkMark) => Promise<void>): Promise<void> {
    const tailer = this.requireTailer();
    // One hold on the mark while the chunk is being put: it is neither acknowledged nor dropped before its end.
    const mark: ChunkMark = { readAt: this.o.clock.now(), outstanding: 1, file, start: -1, end: -1, announced: false, failed: false };
    state.marks.push(mark);
    await putAll(mark);
    if (mark.start >= 0) {
      tailer.recordSent(file, mark.start, mark.end);
      mark.announced = true;
    }
    // Bytes framed past the last record put gave no record (dropped by the options, skipped header lines, the
    // discarded rest of a runaway record): declared done, or a rotated file ending in them is never let go.
    const framedTo = Math.min(state.processor.offset - state.processor.pendingBytes, endOffset);
    if (!this.closing && framedTo > (mark.start >= 0 ? mark.end : -1)) tailer.bytesConsumed(file, framedTo);
    this.release(mark);
    this.dropSettledMarks(state);
  }

  private armQuietFlush(file: TrackedFileId, state: FileState, ms: number): void {
    state.quietTimer = setTimeout(() => {
      state.quietTimer = undefined;
      if (this.closing || this.files.get(file) !== state) return;
      // A chunk of this flow is being put (the tailer reads on): try again later rather than interleave.
      if (this.busy) return this.armQuietFlush(file, state, ms);
      this.busy = true;
      this.deliver(state, file, state.processor.flush(), state.processor.offset)
        .catch((err: unknown) => this.o.logger.error({ flow: this.o.flowId, file, err }, 'quiet-file flush failed'))
        .finally(() => (this.busy = false));
    }, ms);
    state.quietTimer.unref();
  }

  private disarmQuietFlush(state: FileState | undefined): void {
    if (state?.quietTimer === undefined) return;
    clearTimeout(state.quietTimer);
    state.quietTimer = undefined;
  }

  /** One put per record (records without data are passed: the range or bytesConsumed covers them). */
  private async putEach(records: ProcessedRecord[], endOffset: number, mark: ChunkMark): Promise<void> {
    for (const r of records) {
      if (r.data === null) continue;
      if (!(await this.room())) break;
      if (mark.start < 0) mark.start = r.startOffset;
      // The last line of a rotated-away file was given a '\n' it does not have on disk (see process()).
      mark.end = Math.min(r.endOffset, endOffset);
      mark.outstanding++;
      this.put(r.data, mark, 1, false);
    }
  }

  /** One put per run of consecutive records within `maxBytes` as an aggregate (see the file header); as putEach. */
  private async putRuns(records: ProcessedRecord[], endOffset: number, mark: ChunkMark, maxBytes: number): Promise<void> {
    const run = this.run;
    let n = 0;
    let runBytes = 0;
    let runStart = -1;
    let runEnd = -1;
    for (let i = 0; i <= records.length; i++) {
      const r = i < records.length ? records[i] : undefined;
      const data = r?.data;
      const grow = data ? singleKeyRecordBytes(data.length) : 0;
      if (n > 0 && (r === undefined || (data && singleKeyAggregateBytes(MAX_KEY_BYTES, runBytes + grow) > maxBytes))) {
        const put = await this.putRun(n, mark, runStart, runEnd);
        run.fill(EMPTY, 0, n); // no data kept alive by the reused array
        n = 0;
        runBytes = 0;
        if (!put) break;
      }
      if (r === undefined) break;
      if (!data) continue;
      if (n === 0) runStart = r.startOffset;
      run[n++] = data;
      runBytes += grow;
      runEnd = Math.min(r.endOffset, endOffset);
    }
  }

  /** Puts run[0, n) (bytes [start, end) of the file) under one random key; false when closing. */
  private async putRun(n: number, mark: ChunkMark, start: number, end: number): Promise<boolean> {
    if (!(await this.room(n))) return false;
    if (mark.start < 0) mark.start = start;
    mark.end = end;
    mark.outstanding++;
    const key = this.o.partitionKey(EMPTY);
    if (n === 1) this.put(this.run[0], mark, 1, false, key);
    else this.put(encodeSingleKeyAggregate(key, this.run, 0, n), mark, n, true, key);
    return true;
  }

  /** putRuns for packed records (RecordProcessor.pushPacked): the same runs, the same bytes. */
  private async putPackedRuns(p: PackedRecords, endOffset: number, mark: ChunkMark, maxBytes: number): Promise<void> {
    const n = p.ends.length;
    // singleKeyAggregateBytes(k, r) is a constant plus r: one call per chunk, and the sizing function taken once
    // (an imported binding read per line is a module getter under the CommonJS build).
    const budget = maxBytes - singleKeyAggregateBytes(MAX_KEY_BYTES, 0);
    const recordBytes = singleKeyRecordBytes;
    let first = 0;
    let runBytes = 0;
    let prevEnd = 0;
    for (let i = 0; i <= n; i++) {
      const grow = i < n ? recordBytes(p.ends[i] - prevEnd) : 0;
      if (i > first && (i === n || runBytes + grow > budget)) {
        if (!(await this.putPackedRun(p, first, i, mark, endOffset))) return;
        first = i;
        runBytes = 0;
      }
      if (i === n) return;
      runBytes += grow;
      prevEnd = p.ends[i];
    }
  }

  /** Puts packed records [from, to) under one random key (copied out: the packed buffer is reused); false when closing. */
  private async putPackedRun(p: PackedRecords, from: number, to: number, mark: ChunkMark, endOffset: number): Promise<boolean> {
    if (!(await this.room(to - from))) return false;
    if (mark.start < 0) mark.start = p.starts[from];
    mark.end = Math.min(p.fileEnds[to - 1], endOffset);
    mark.outstanding++;
    const key = this.o.partitionKey(EMPTY);
    if (to - from === 1) this.put(Buffer.from(p.data.subarray(from === 0 ? 0 : p.ends[from - 1], p.ends[from])), mark, 1, false, key);
    else this.put(encodeSingleKeyAggregatePacked(key, p.data, p.ends, from, to), mark, to - from, true, key);
    return true;
  }

  /** Waits for room for `records` more in flight and in the producer; false when closing. */
  private async room(records = 1): Promise<boolean> {
    if (this.inFlight > 0 && this.inFlight + records > this.maxInFlight) {
      // The producer may be lingering on less than a call's worth: what is in flight must go now.
      void this.o.producer.flush().catch(() => undefined);
      await new Promise<void>((resolve) => (this.belowLowWater = resolve));
    }
    if (!this.o.producer.writable) await this.o.producer.whenWritable();
    return !this.closing;
  }

  /** The tailer let the file go (read to its end and every range acked): forget its processor. */
  onFileDone(file: TrackedFileId): void {
    this.disarmQuietFlush(this.files.get(file));
    this.files.delete(file);
  }

  /** Stops taking chunks: an `onChunk` waiting for room returns without putting more. */
  stopAccepting(): void {
    this.closing = true;
    for (const state of this.files.values()) this.disarmQuietFlush(state);
    this.belowLowWater?.();
    this.belowLowWater = undefined;
  }

  /** Resolves once every record put so far is acknowledged (or given up at shutdown). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  stats(): FlowDeliveryStats {
    let oldest = Infinity;
    for (const state of this.files.values()) {
      this.dropSettledMarks(state);
      if (state.marks.length > 0 && state.marks[0].outstanding > 0) oldest = Math.min(oldest, state.marks[0].readAt);
    }
    return {
      ...this.totals,
      inFlight: this.inFlight,
      oldestUnackedAgeMs: oldest === Infinity ? 0 : Math.max(0, this.o.clock.now() - oldest),
    };
  }

  private requireTailer(): AckSink {
    if (!this.tailer) throw new Error(`flow ${this.o.flowId}: delivery got a chunk before its tailer was bound`);
    return this.tailer;
  }

  private fileState(chunk: TailChunk): FileState {
    let state = this.files.get(chunk.file);
    if (!state) {
      // A new file, or a new generation of one (truncated: the id changed): framing starts at this chunk.
      state = {
        processor: this.o.processing.forFile({ startOffset: chunk.startOffset, maxDataBytes: this.o.maxDataBytes }, this.o.counters),
        marks: [],
        quietTimer: undefined,
      };
      this.files.set(chunk.file, state);
    }
    return state;
  }

  /**
   * The records of a chunk. The last bytes of a rotated-away file (endOfFile) come without their '\n': they are
   * pushed with one, so the framer hands them over as a line (the agent sends such a last line too, as the record
   * its parser ends at the end of the file), and the waiting multi-line record is flushed.
   */
  private process(processor: RecordProcessor, chunk: TailChunk): ProcessedRecord[] {
    if (!chunk.endOfFile) return processor.push(chunk.chunk, chunk.startOffset);
    const last = chunk.chunk.length > 0 ? processor.push(Buffer.concat([chunk.chunk, NEWLINE]), chunk.startOffset) : [];
    return last.concat(processor.flush());
  }

  /** Puts `data` (`records` user records; an aggregate when `aggregated`) for `mark`. */
  private put(data: Uint8Array, mark: ChunkMark, records: number, aggregated: boolean, key = this.o.partitionKey(data)): void {
    this.inFlight += records;
    this.totals.recordsSent += records;
    this.totals.bytesSent += data.length;
    this.o.producer.put({ partitionKey: key, data, preAggregated: aggregated }).then(
      () => {
        this.totals.recordsAcked += records;
        this.settle(mark, records);
      },
      (err: ProducerError) => this.onPutFailed(err, data, mark, records, aggregated, key),
    );
  }

  private onPutFailed(err: ProducerError, data: Uint8Array, mark: ChunkMark, records: number, aggregated: boolean, key: string): void {
    if (err.code === 'RECORD_EXPIRED' && !this.closing) {
      // Kinesis did not answer within the TTL: put it again (the producer's buffer bound still applies), under
      // the same key (an aggregate's user records carry it).
      this.totals.recordsResent += records;
      this.inFlight -= records;
      this.totals.recordsSent -= records;
      this.totals.bytesSent -= data.length;
      this.put(data, mark, records, aggregated, key);
      return;
    }
    if (err.code === 'RECORD_REJECTED' || err.code === 'INVALID_RECORD') {
      this.totals.recordsRejected += records;
      this.o.logger.warn({ flow: this.o.flowId, file: mark.file, chunkStart: mark.start, code: err.code, err: err.message }, 'record refused for good: passed');
    } else {
      // Closed at shutdown, or expired while closing: not acknowledged, so neither is its chunk; the checkpoint
      // stays before it and the chunk is read again at the next start.
      mark.failed = true;
    }
    this.settle(mark, records);
  }

  private settle(mark: ChunkMark, records: number): void {
    this.inFlight -= records;
    this.release(mark);
    if (this.belowLowWater && this.inFlight <= this.lowWater) {
      const resume = this.belowLowWater;
      this.belowLowWater = undefined;
      resume();
    }
    if (this.inFlight === 0 && this.idle.length > 0) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  /** One record of the chunk (or the chunk's hold) settled: the last one acknowledges the chunk's range. */
  private release(mark: ChunkMark): void {
    mark.outstanding--;
    if (mark.outstanding === 0 && mark.announced && !mark.failed) this.tailer?.recordAcked(mark.file, mark.start, mark.end);
  }

  private dropSettledMarks(state: FileState): void {
    let i = 0;
    while (i < state.marks.length && state.marks[i].outstanding === 0) i++;
    if (i > 0) state.marks.splice(0, i);
  }
}
