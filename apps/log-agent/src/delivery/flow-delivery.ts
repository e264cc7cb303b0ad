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
 */
import type { KinesisProducer, ProducerError } from '@tributary/kinesis-producer';
import type { Clock, Logger } from '@tributary/runtime';
import type { FlowProcessing, ProcessedRecord, ProcessingCounters, RecordProcessor } from '../processing';
import type { TailChunk, TrackedFileId } from '../tailing/tailer-types';
import type { PartitionKeyFn } from './partition-key';

/** The part of the tailer delivery calls (tailing/tailer-types.ts). */
export interface AckSink {
  recordSent(file: TrackedFileId, start: number, end: number): void;
  recordAcked(file: TrackedFileId, start: number, end: number): void;
  bytesConsumed(file: TrackedFileId, offset: number): void;
}

/** The part of KinesisProducer delivery uses (a fake in unit specs). */
export type DeliveryProducer = Pick<KinesisProducer, 'put' | 'writable' | 'whenWritable'>;

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
}

const NEWLINE = Buffer.from('\n');

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
    const tailer = this.requireTailer();
    if (this.closing) return;
    const state = this.fileState(chunk);
    // One hold on the mark while the chunk is being put: it is neither acknowledged nor dropped before its end.
    const mark: ChunkMark = { readAt: this.o.clock.now(), outstanding: 1, file: chunk.file, start: -1, end: -1, announced: false, failed: false };
    state.marks.push(mark);
    const records = this.process(state.processor, chunk);
    let consumedTo = -1;
    for (const r of records) {
      // The last line of a rotated-away file was given a '\n' it does not have on disk (see process()).
      const end = Math.min(r.endOffset, chunk.endOffset);
      if (r.data === null) {
        consumedTo = end;
        continue;
      }
      if (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => (this.belowLowWater = resolve));
      if (!this.o.producer.writable) await this.o.producer.whenWritable();
      if (this.closing) break;
      consumedTo = -1;
      if (mark.start < 0) mark.start = r.startOffset;
      mark.end = end;
      mark.outstanding++;
      this.put(r.data, mark);
    }
    if (mark.start >= 0) {
      tailer.recordSent(chunk.file, mark.start, mark.end);
      mark.announced = true;
    }
    if (consumedTo >= 0 && !this.closing) tailer.bytesConsumed(chunk.file, consumedTo);
    this.release(mark);
    this.dropSettledMarks(state);
  }

  /** The tailer let the file go (read to its end and every range acked): forget its processor. */
  onFileDone(file: TrackedFileId): void {
    this.files.delete(file);
  }

  /** Stops taking chunks: an `onChunk` waiting for room returns without putting more. */
  stopAccepting(): void {
    this.closing = true;
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

  private put(data: Buffer, mark: ChunkMark): void {
    this.inFlight++;
    this.totals.recordsSent++;
    this.totals.bytesSent += data.length;
    this.o.producer.put({ partitionKey: this.o.partitionKey(data), data }).then(
      () => {
        this.totals.recordsAcked++;
        this.settle(mark);
      },
      (err: ProducerError) => this.onPutFailed(err, data, mark),
    );
  }

  private onPutFailed(err: ProducerError, data: Buffer, mark: ChunkMark): void {
    if (err.code === 'RECORD_EXPIRED' && !this.closing) {
      // Kinesis did not answer within the TTL: put it again (the producer's buffer bound still applies).
      this.totals.recordsResent++;
      this.inFlight--;
      this.totals.recordsSent--;
      this.totals.bytesSent -= data.length;
      this.put(data, mark);
      return;
    }
    if (err.code === 'RECORD_REJECTED' || err.code === 'INVALID_RECORD') {
      this.totals.recordsRejected++;
      this.o.logger.warn({ flow: this.o.flowId, file: mark.file, chunkStart: mark.start, code: err.code, err: err.message }, 'record refused for good: passed');
    } else {
      // Closed at shutdown, or expired while closing: not acknowledged, so neither is its chunk; the checkpoint
      // stays before it and the chunk is read again at the next start.
      mark.failed = true;
    }
    this.settle(mark);
  }

  private settle(mark: ChunkMark): void {
    this.inFlight--;
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
