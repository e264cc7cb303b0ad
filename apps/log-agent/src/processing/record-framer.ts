/**
 * Record framing: the bytes of one file, pushed in order, cut into records, the way the Kinesis Agent's parser
 * cuts them (awslabs/amazon-kinesis-agent tailing/AbstractParser.java, SingleLineSplitter.java, RegexSplitter.java):
 *
 * - A line ends at `\n` (0x0A) and keeps it. `\r` is not a delimiter: a CRLF line keeps its `\r` before the `\n`,
 *   as the agent's ByteBuffers.advanceBufferToNextLine does. A last line without `\n` is never a record (it waits:
 *   SingleLineSplitter's documented limitation, and what a tailer wants for a line still being written).
 * - Without `multiLineStartPattern` each line is one record. With it, a record is a line plus every following line
 *   that does not match the pattern at its start (Java `lookingAt`, RegexSplitter.advanceBufferToNextPattern, the
 *   line tested with its `\n`); the first line of a file always starts a record, whatever it holds.
 * - `skipHeaderLines` lines are dropped when framing starts at offset 0 of a file, never when resuming from a
 *   checkpoint (AbstractParser.setCurrentFile: `headerLinesToSkip = offset == 0 ? skipHeaderLines : 0`).
 * - A record longer than the agent's parser buffer (5 MiB, KinesisConstants.DEFAULT_PARSER_BUFFER_SIZE_BYTES) is
 *   cut there and the rest of it discarded up to the start of the next record ("runaway record",
 *   AbstractParser.readRecordFromCurrentBuffer). The cut record's `endOffset` is past the discarded bytes, so a
 *   checkpoint moved past it does not re-read them. Truncation to the Kinesis record limit with
 *   `truncatedRecordTerminator` happens after the data processing options, as in the agent (record-truncation.ts).
 *
 * Deliberate difference: the agent ends a multi-line record when the bytes read so far run out (RegexSplitter
 * returns the buffer's end when the read did not fill it), so a record being written in two writes can be split in
 * two. Here the last multi-line record waits for the next start line or for `flush()`, which the caller calls when
 * the file has been quiet for a while, is rotated away, or at shutdown.
 *
 * Zero-copy: a record that lies within one pushed chunk is a `subarray` view of it; the caller must not reuse a
 * chunk's memory while records framed from it are alive. Records spanning chunks are copied once.
 */
import { ProcessingError } from './processing-error';

/** The Kinesis Agent's parser buffer: the largest record it frames before discarding a runaway record's rest. */
export const AGENT_PARSER_BUFFER_BYTES = 5 * 1024 * 1024;

const LF = 0x0a;

export interface RecordFramerOptions {
  /** The flow's `multiLineStartPattern`, compiled (see java-regex.ts); omitted: one record per line. */
  multiLineStart?: RegExp;
  /** The flow's `skipHeaderLines`. */
  skipHeaderLines?: number;
  /** The offset in the file of the first byte pushed; header lines are skipped only when it is 0. */
  startOffset?: number;
  /** Largest framed record in bytes (default 5 MiB, the agent's parser buffer). */
  maxFramedBytes?: number;
}

/** One record as framed: raw bytes of the file (with the final `\n`), and where it lies in the file. */
export interface FramedRecord {
  data: Buffer;
  /** Lines the record holds (a multi-line record counts each; a runaway record counts what it kept). */
  lines: number;
  /** Offset of the record's first byte in the file. */
  startOffset: number;
  /** Offset just past the record (and past any runaway bytes discarded after it): a checkpoint may move here. */
  endOffset: number;
  /** The record was cut at `maxFramedBytes`. */
  runaway: boolean;
}

/** Counters the caller exports (e.g. as /metrics); they only grow. */
export interface FramerCounters {
  headerLinesSkipped: number;
  runawayRecords: number;
  bytesDiscarded: number;
}

export class RecordFramer {
  private readonly multiLineStart: RegExp | undefined;
  private readonly maxFramedBytes: number;
  private headerLinesToSkip: number;
  /** Offset in the file of the next byte expected from `push`. */
  private nextOffset: number;
  /** Bytes of the current line that have no `\n` yet, and the file offset of their first byte. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The record being built in multi-line mode (complete lines only). */
  private current: Buffer[] = [];
  private currentBytes = 0;
  private currentLines = 0;
  private currentStart = 0;
  /** Discarding the rest of a runaway record, until the next record starts. */
  private discarding = false;
  private discardedRecord: FramedRecord | undefined;
  readonly counters: FramerCounters = { headerLinesSkipped: 0, runawayRecords: 0, bytesDiscarded: 0 };

  constructor(options: RecordFramerOptions = {}) {
    this.multiLineStart = options.multiLineStart;
    this.maxFramedBytes = options.maxFramedBytes ?? AGENT_PARSER_BUFFER_BYTES;
    const startOffset = options.startOffset ?? 0;
    this.nextOffset = startOffset;
    this.headerLinesToSkip = startOffset === 0 ? (options.skipHeaderLines ?? 0) : 0;
  }

  /** Offset just past the last byte pushed. */
  get offset(): number {
    return this.nextOffset;
  }

  /** Bytes pushed but not yet part of a returned record (a partial line, a multi-line record waiting). */
  get pendingBytes(): number {
    return this.partialBytes + this.currentBytes;
  }

  /** A multi-line record has complete lines waiting for its end (flush() would return it). */
  get waitingRecord(): boolean {
    return this.currentLines > 0;
  }

  /** Nothing waits: no partial line, no multi-line record, no header line to skip, no runaway being discarded. */
  get idle(): boolean {
    return this.partialBytes === 0 && this.currentLines === 0 && this.headerLinesToSkip === 0 && !this.discarding;
  }

  /**
   * Moves past `bytes` bytes of complete single lines that the caller framed itself while the framer was idle
   * (RecordProcessor's fast path), so that offsets stay continuous.
   */
  advance(bytes: number): void {
    if (!this.idle || this.multiLineStart !== undefined) {
      throw new ProcessingError('OFFSET_GAP', 'advance() is only for single-line framing with nothing waiting');
    }
    this.nextOffset += bytes;
  }

  /**
   * Frames the next bytes of the file, which start at `chunkStartOffset` (default: where the previous chunk ended).
   * Returns the records completed by them, in file order.
   */
  push(chunk: Buffer, chunkStartOffset: number = this.nextOffset): FramedRecord[] {
    if (chunkStartOffset !== this.nextOffset) {
      throw new ProcessingError(
        'OFFSET_GAP',
        `chunk starts at offset ${chunkStartOffset} but the previous one ended at ${this.nextOffset}; ` +
          'start a new RecordFramer at the new offset',
      );
    }
    const out: FramedRecord[] = [];
    let pos = 0;
    const base = chunkStartOffset;
    this.nextOffset += chunk.length;
    while (pos < chunk.length) {
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        this.keepPartial(chunk.subarray(pos), out, base + pos);
        break;
      }
      const lineEnd = lf + 1;
      if (this.discarding && this.multiLineStart === undefined) {
        // The rest of a runaway line, up to its `\n`.
        this.discard(lineEnd - pos);
        this.discarding = false;
        this.discardedRecord = undefined;
        pos = lineEnd;
        continue;
      }
      let line: Buffer;
      let lineStart: number;
      if (this.partialBytes > 0) {
        lineStart = base + pos - this.partialBytes;
        this.partial.push(chunk.subarray(pos, lineEnd));
        line = Buffer.concat(this.partial, this.partialBytes + lineEnd - pos);
        this.partial = [];
        this.partialBytes = 0;
      } else {
        lineStart = base + pos;
        line = chunk.subarray(pos, lineEnd);
      }
      pos = lineEnd;
      this.onLine(line, lineStart, out);
    }
    return out;
  }

  /**
   * Ends the multi-line record being built, if any, and returns it. A partial last line (no `\n`) still waits.
   * In single-line mode there is nothing to flush.
   */
  flush(): FramedRecord[] {
    const out: FramedRecord[] = [];
    this.emitCurrent(out);
    return out;
  }

  private onLine(line: Buffer, lineStart: number, out: FramedRecord[]): void {
    if (this.headerLinesToSkip > 0) {
      this.headerLinesToSkip--;
      this.counters.headerLinesSkipped++;
      return;
    }
    if (this.discarding) {
      if (!this.startsRecord(line)) {
        this.discard(line.length);
        return;
      }
      this.discarding = false;
      this.discardedRecord = undefined;
    }
    if (this.multiLineStart === undefined) {
      if (line.length > this.maxFramedBytes) {
        out.push(this.runaway([line], line.length, 1, lineStart, lineStart + line.length));
        return;
      }
      out.push({ data: line, lines: 1, startOffset: lineStart, endOffset: lineStart + line.length, runaway: false });
      return;
    }
    if (this.currentLines > 0 && this.startsRecord(line)) this.emitCurrent(out);
    if (this.currentLines === 0) this.currentStart = lineStart;
    this.current.push(line);
    this.currentBytes += line.length;
    this.currentLines++;
    if (this.currentBytes > this.maxFramedBytes) {
      const end = this.currentStart + this.currentBytes;
      const record = this.runaway(this.current, this.currentBytes, this.currentLines, this.currentStart, end);
      this.resetCurrent();
      this.discarding = true;
      this.discardedRecord = record;
      out.push(record);
    }
  }

  /** A partial line: kept until its `\n` arrives, but never beyond the runaway limit. */
  private keepPartial(bytes: Buffer, out: FramedRecord[], at: number): void {
    if (this.discarding && this.multiLineStart === undefined) {
      this.discard(bytes.length);
      return;
    }
    this.partial.push(bytes);
    this.partialBytes += bytes.length;
    const waiting = this.partialBytes + (this.multiLineStart ? this.currentBytes : 0);
    if (waiting <= this.maxFramedBytes || this.headerLinesToSkip > 0) return;
    // A line with no end in sight: cut it now (the agent's buffer would be full), discard the rest of it.
    const start = at + bytes.length - this.partialBytes;
    const parts = this.multiLineStart ? [...this.current, ...this.partial] : this.partial;
    const startOffset = this.multiLineStart && this.currentLines > 0 ? this.currentStart : start;
    const record = this.runaway(parts, waiting, this.currentLines + 1, startOffset, at + bytes.length);
    this.resetCurrent();
    this.partial = [];
    this.partialBytes = 0;
    this.discarding = true;
    this.discardedRecord = record;
    out.push(record);
  }

  private startsRecord(line: Buffer): boolean {
    if (this.multiLineStart === undefined) return true;
    this.multiLineStart.lastIndex = 0;
    return this.multiLineStart.test(line.toString('utf8'));
  }

  private discard(bytes: number): void {
    this.counters.bytesDiscarded += bytes;
    // The cut record's checkpoint covers what was thrown away after it.
    if (this.discardedRecord) this.discardedRecord.endOffset += bytes;
  }

  private runaway(parts: Buffer[], total: number, lines: number, start: number, end: number): FramedRecord {
    this.counters.runawayRecords++;
    this.counters.bytesDiscarded += total - this.maxFramedBytes;
    const data = Buffer.concat(parts, total).subarray(0, this.maxFramedBytes);
    return { data, lines, startOffset: start, endOffset: end, runaway: true };
  }

  private emitCurrent(out: FramedRecord[]): void {
    if (this.currentLines === 0) return;
    const data = this.current.length === 1 ? this.current[0] : Buffer.concat(this.current, this.currentBytes);
    const start = this.currentStart;
    out.push({ data, lines: this.currentLines, startOffset: start, endOffset: start + this.currentBytes, runaway: false });
    this.resetCurrent();
  }

  private resetCurrent(): void {
    this.current = [];
    this.currentBytes = 0;
    this.currentLines = 0;
  }
}
