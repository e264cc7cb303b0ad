/**
 * Everything between a file's bytes and the records to send, for one tracked file of one flow: framing
 * (record-framer.ts), the data processing options (converter-chain.ts), truncation to the Kinesis record limit
 * (record-truncation.ts), and the counters /metrics exports. Pure: no I/O, no clock.
 *
 * The order is the agent's: records are framed (up to its 5 MiB parser buffer), converted, and only then
 * truncated (AbstractParser.buildRecord converts; AbstractRecord.truncate runs on the converted data).
 */
import { isAscii } from 'node:buffer';
import { NOT_HANDLED, apacheByteConverterFor, type ApacheByteConverter } from './apache-log-scanner';
import { buildPipeline, buildTextChain, type Pipeline } from './converter-chain';
import { compileJavaRegex } from './java-regex';
import type { ProcessingOption } from './processing-options';
import { AGENT_PARSER_BUFFER_BYTES, RecordFramer, type FramedRecord } from './record-framer';
import { KINESIS_MAX_RECORD_BYTES, MAX_PARTITION_KEY_BYTES, truncateRecord } from './record-truncation';
import type { TextConverter } from './text-converter';

const LF = 0x0a;

/**
 * The fast path works through a chunk in batches of about this many bytes (cut at a line end): measured here,
 * LOGTOJSON cost ~2 CPU µs per line in 50 KiB batches, ~3 in 160 KiB ones and ~10 in 3 MiB ones, where the
 * batch's strings and records outlive the young generation and the collector has to promote them.
 */
const FAST_BATCH_BYTES = 48 * 1024;

/** End of the batch starting at `from`: the last line end within FAST_BATCH_BYTES, or the end of a longer line. */
function batchEnd(chunk: Buffer, from: number, end: number): number {
  if (end - from <= FAST_BATCH_BYTES) return end;
  const cut = chunk.lastIndexOf(LF, from + FAST_BATCH_BYTES - 1) + 1;
  return cut > from ? cut : chunk.indexOf(LF, from) + 1;
}

/** What a flow says about framing and processing (config/'s FlowConfig carries these under the same names). */
export interface FlowProcessingOptions {
  multiLineStartPattern?: string;
  skipHeaderLines?: number;
  truncatedRecordTerminator?: string;
  dataProcessingOptions?: readonly ProcessingOption[];
}

export interface RecordProcessorOptions {
  /** Offset in the file where reading starts (a checkpoint, 0, or the end for END_OF_FILE). */
  startOffset?: number;
  /** Largest data of one record; default 1 MiB minus room for the longest partition key (256). */
  maxDataBytes?: number;
  /** Largest framed record before conversion (default 5 MiB, the agent's parser buffer). */
  maxFramedBytes?: number;
}

/** One record, ready for the producer, and the file bytes it stands for. */
export interface ProcessedRecord {
  /** The bytes to send; null when the options dropped the record (its offsets still count as done). */
  data: Buffer | null;
  lines: number;
  startOffset: number;
  /** A checkpoint may move here once this record (and every earlier one) is acknowledged or dropped. */
  endOffset: number;
  /** Cut at the record limit (and ended by the terminator), or cut as a runaway record while framing. */
  truncated: boolean;
}

/**
 * The records of a chunk packed back to back (RecordProcessor.pushPacked): record k's data is
 * data[k === 0 ? 0 : ends[k - 1], ends[k]) and it stands for the file bytes [starts[k], fileEnds[k]). Records the
 * options dropped are not in it (their bytes lie between the ranges, or after the last).
 */
export interface PackedRecords {
  /** A view of the processor's reused buffer: valid until its next pushPacked. */
  data: Buffer;
  ends: number[];
  starts: number[];
  fileEnds: number[];
}

/** What packTexts / packBytes did with a chunk. */
interface PackOutcome {
  lines: number;
  dropped: number;
  /** The records are packBuf[from, from + size) (from: 0 unless a scratch copy of the chunk comes first). */
  from?: number;
  size: number;
}

/** Per-flow counters; a RecordProcessor adds to the object it is given, so files of one flow can share one. */
export interface ProcessingCounters {
  linesRead: number;
  recordsFramed: number;
  recordsDropped: number;
  /** LOGTOJSON could not parse: the agent's records filtered out. */
  parseFailures: number;
  /** A converter threw: the record was sent unconverted (the agent's TotalDataProcessingErrors). */
  conversionErrors: number;
  recordsTruncated: number;
  headerLinesSkipped: number;
  bytesDiscarded: number;
}

export function newProcessingCounters(): ProcessingCounters {
  return {
    linesRead: 0,
    recordsFramed: 0,
    recordsDropped: 0,
    parseFailures: 0,
    conversionErrors: 0,
    recordsTruncated: 0,
    headerLinesSkipped: 0,
    bytesDiscarded: 0,
  };
}

/**
 * The compiled form of a flow's options, built once per flow at start (this is where a bad pattern throws) and
 * shared by the RecordProcessor of each of its files.
 */
export class FlowProcessing {
  readonly pipeline: Pipeline;
  /** The same options as one text converter (undefined without options), for the fast path. */
  readonly textChain: TextConverter | undefined;
  /** LOGTOJSON of the Apache access formats straight from bytes to bytes (apache-log-scanner.ts), when it applies. */
  readonly apacheBytes: ApacheByteConverter | undefined;
  readonly multiLineStart: RegExp | undefined;
  readonly skipHeaderLines: number;
  readonly terminator: Buffer;
  private readonly logToJson: boolean;

  constructor(options: FlowProcessingOptions) {
    const dpo = options.dataProcessingOptions ?? [];
    this.pipeline = buildPipeline(dpo);
    this.textChain = buildTextChain(dpo);
    this.apacheBytes = apacheByteConverterFor(dpo);
    this.logToJson = dpo.some((o) => o.optionName === 'LOGTOJSON');
    this.multiLineStart = options.multiLineStartPattern
      ? compileJavaRegex(options.multiLineStartPattern, { anchor: 'start' })
      : undefined;
    this.skipHeaderLines = options.skipHeaderLines ?? 0;
    this.terminator = Buffer.from(options.truncatedRecordTerminator ?? '\n', 'utf8');
  }

  /** A processor for one file, reading from `startOffset`. */
  forFile(options: RecordProcessorOptions = {}, counters: ProcessingCounters = newProcessingCounters()): RecordProcessor {
    return new RecordProcessor(this, options, counters, this.logToJson);
  }
}

export class RecordProcessor {
  private readonly framer: RecordFramer;
  private readonly maxDataBytes: number;
  private readonly maxFramedBytes: number;
  private framerSeen = { headerLinesSkipped: 0, bytesDiscarded: 0 };
  /** pushPacked's output buffer, reused from chunk to chunk (grown when a chunk needs more). */
  private packBuf = Buffer.alloc(0);

  constructor(
    private readonly flow: FlowProcessing,
    options: RecordProcessorOptions,
    readonly counters: ProcessingCounters,
    private readonly dropsAreParseFailures: boolean,
  ) {
    this.framer = new RecordFramer({
      multiLineStart: flow.multiLineStart,
      skipHeaderLines: flow.skipHeaderLines,
      startOffset: options.startOffset ?? 0,
      maxFramedBytes: options.maxFramedBytes,
    });
    this.maxDataBytes = options.maxDataBytes ?? KINESIS_MAX_RECORD_BYTES - MAX_PARTITION_KEY_BYTES;
    this.maxFramedBytes = options.maxFramedBytes ?? AGENT_PARSER_BUFFER_BYTES;
  }

  /** Offset just past the last byte pushed. */
  get offset(): number {
    return this.framer.offset;
  }

  /** A multi-line record is waiting for its end (the next start line, or flush()). */
  get waitingRecord(): boolean {
    return this.framer.waitingRecord;
  }

  /** Bytes pushed that no returned record covers yet (a partial line, a multi-line record waiting). */
  get pendingBytes(): number {
    return this.framer.pendingBytes;
  }

  /** Frames and processes the next bytes of the file (see RecordFramer.push for offsets and zero-copy). */
  push(chunk: Buffer, chunkStartOffset: number = this.framer.offset): ProcessedRecord[] {
    if (
      this.flow.textChain !== undefined &&
      this.flow.multiLineStart === undefined &&
      this.framer.idle &&
      chunkStartOffset === this.framer.offset &&
      chunk.length <= this.maxFramedBytes &&
      isAscii(chunk)
    ) {
      const end = chunk.lastIndexOf(LF) + 1;
      if (end > 0) {
        const records: ProcessedRecord[] = [];
        for (let from = 0; from < end; ) {
          const to = batchEnd(chunk, from, end);
          this.processAsciiLines(chunk, from, to, chunkStartOffset, this.flow.textChain, records);
          from = to;
        }
        this.framer.advance(end);
        if (end < chunk.length) records.push(...this.process(this.framer.push(chunk.subarray(end), chunkStartOffset + end)));
        return records;
      }
    }
    return this.process(this.framer.push(chunk, chunkStartOffset));
  }

  /**
   * The hot path (single-line records, options set, an ASCII chunk of complete lines, nothing waiting): the same
   * outcome as framing then piping each line, with one decode of the chunk (latin1 is exact on ASCII and the fastest
   * decoder), line texts as slices of it, and one encode for all converted records, each a view of that buffer.
   * Per line this saves two Buffer objects and two calls into C++; with the batching (FAST_BATCH_BYTES) LOGTOJSON
   * on combined Apache lines took 1.9–2.1 CPU µs per line in 256 KiB chunks on a loaded 2-core host.
   */
  private processAsciiLines(chunk: Buffer, from: number, to: number, base: number, chain: TextConverter, out: ProcessedRecord[]): void {
    const c = this.counters;
    const text = chunk.toString('latin1', from, to);
    const converted: ProcessedRecord[] = [];
    const texts: string[] = [];
    let lines = 0;
    for (let i = 0; i < text.length; lines++) {
      const next = text.indexOf('\n', i) + 1;
      const record: ProcessedRecord = { data: null, lines: 1, startOffset: base + from + i, endOffset: base + from + next, truncated: false };
      let result: string | null;
      try {
        result = chain(text.slice(i, next));
      } catch {
        c.conversionErrors++;
        result = null;
        record.data = this.fit(chunk.subarray(from + i, from + next), record);
      }
      if (result !== null) {
        texts.push(result);
        converted.push(record);
      } else if (record.data === null) {
        c.recordsDropped++;
        if (this.dropsAreParseFailures) c.parseFailures++;
      }
      out.push(record);
      i = next;
    }
    this.encodeAll(texts, converted);
    c.linesRead += lines;
    c.recordsFramed += lines;
  }

  private encodeAll(texts: string[], records: ProcessedRecord[]): void {
    if (texts.length === 0) return;
    const all = texts.join('');
    const buf = Buffer.from(all, 'utf8');
    const ascii = buf.length === all.length;
    for (let k = 0, off = 0; k < texts.length; k++) {
      const len = ascii ? texts[k].length : Buffer.byteLength(texts[k], 'utf8');
      records[k].data = this.fit(buf.subarray(off, off + len), records[k]);
      off += len;
    }
  }

  /**
   * The hot path without a Buffer or an object per record: as push() on the fast path's conditions plus a chunk
   * of whole lines, the converted records encoded batch by batch into one reused buffer, and only where each ends
   * kept (LOGTOJSON of the Apache access formats: written from the chunk's bytes, packBytes). Undefined (nothing
   * consumed, nothing counted) when the chunk does not qualify, or a record would need truncating or its conversion
   * throws: push() then handles the chunk.
   */
  pushPacked(chunk: Buffer, chunkStartOffset: number): PackedRecords | undefined {
    const chain = this.flow.textChain;
    if (
      chain === undefined ||
      this.flow.multiLineStart !== undefined ||
      !this.framer.idle ||
      chunkStartOffset !== this.framer.offset ||
      chunk.length === 0 ||
      chunk.length > this.maxFramedBytes ||
      chunk[chunk.length - 1] !== LF ||
      !isAscii(chunk)
    ) {
      return undefined;
    }
    const packed: PackedRecords = { data: this.packBuf, ends: [], starts: [], fileEnds: [] };
    const bytes = this.flow.apacheBytes;
    const done = bytes !== undefined ? this.packBytes(chunk, chunkStartOffset, bytes, chain, packed) : this.packTexts(chunk, chunkStartOffset, chain, packed);
    if (done === undefined) return undefined;
    const c = this.counters;
    c.linesRead += done.lines;
    c.recordsFramed += done.lines;
    c.recordsDropped += done.dropped;
    if (this.dropsAreParseFailures) c.parseFailures += done.dropped;
    this.framer.advance(chunk.length);
    const from = done.from ?? 0;
    packed.data = this.packBuf.subarray(from, from + done.size);
    return packed;
  }

  /** pushPacked through the text converter, batch by batch (FAST_BATCH_BYTES). */
  private packTexts(chunk: Buffer, base: number, chain: TextConverter, packed: PackedRecords): PackOutcome | undefined {
    let lines = 0;
    let dropped = 0;
    let size = 0;
    for (let from = 0; from < chunk.length; ) {
      const to = batchEnd(chunk, from, chunk.length);
      const text = chunk.toString('latin1', from, to);
      const texts: string[] = [];
      for (let i = 0; i < text.length; lines++) {
        const next = text.indexOf('\n', i) + 1;
        let result: string | null;
        try {
          result = chain(text.slice(i, next));
        } catch {
          return undefined;
        }
        if (result === null) dropped++;
        else {
          texts.push(result);
          packed.starts.push(base + from + i);
          packed.fileEnds.push(base + from + next);
        }
        i = next;
      }
      size = this.appendPacked(texts, size, packed.ends);
      if (size < 0) return undefined;
      from = to;
    }
    return { lines, dropped, size };
  }

  /**
   * pushPacked through the byte converter (apache-log-scanner.ts): the chunk copied once to the head of packBuf and
   * each line's JSON written after it (packed.data then starts past the copy), no string per line; a line it
   * declines goes through the text converter (the authority), one at a time.
   */
  private packBytes(chunk: Buffer, base: number, bytes: ApacheByteConverter, chain: TextConverter, packed: PackedRecords): PackOutcome | undefined {
    const convert = bytes.convert;
    const max = this.maxDataBytes;
    const out0 = chunk.length;
    this.reserve(0, out0 + bytes.maxOutputBytes(0));
    chunk.copy(this.packBuf, 0);
    let lines = 0;
    let dropped = 0;
    let size = out0;
    for (let i = 0; i < out0; lines++) {
      const next = chunk.indexOf(LF, i) + 1;
      this.reserve(size, bytes.maxOutputBytes(next - i));
      let end = convert(this.packBuf, i, next - 1, size);
      if (end === NOT_HANDLED) {
        let result: string | null;
        try {
          result = chain(chunk.toString('latin1', i, next));
        } catch {
          return undefined;
        }
        if (result === null) {
          dropped++;
          i = next;
          continue;
        }
        end = this.appendPacked([result], size, packed.ends);
        if (end < 0) return undefined;
        packed.ends[packed.ends.length - 1] -= out0;
      } else {
        if (end - size > max) return undefined;
        packed.ends.push(end - out0);
      }
      packed.starts.push(base + i);
      packed.fileEnds.push(base + next);
      size = end;
      i = next;
    }
    return { lines, dropped, size: size - out0, from: out0 };
  }

  /** Makes packBuf hold at least `size + more` bytes, keeping its first `size`. */
  private reserve(size: number, more: number): void {
    if (size + more <= this.packBuf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.packBuf.length, size + more, 64 * 1024));
    this.packBuf.copy(grown, 0, 0, size);
    this.packBuf = grown;
  }

  /** Appends `texts` encoded at `size` of packBuf and their ends to `ends`: the new size, -1 if one is too long. */
  private appendPacked(texts: string[], size: number, ends: number[]): number {
    if (texts.length === 0) return size;
    const all = texts.join('');
    const bytes = Buffer.byteLength(all, 'utf8');
    const ascii = bytes === all.length;
    this.reserve(size, bytes);
    this.packBuf.write(all, size, bytes, ascii ? 'latin1' : 'utf8');
    for (let k = 0; k < texts.length; k++) {
      const len = ascii ? texts[k].length : Buffer.byteLength(texts[k], 'utf8');
      if (len > this.maxDataBytes) return -1;
      size += len;
      ends.push(size);
    }
    return size;
  }

  /** The data, truncated to maxDataBytes with the terminator when longer (and the record marked and counted). */
  private fit(data: Buffer, record: ProcessedRecord): Buffer {
    if (data.length <= this.maxDataBytes) return data;
    record.truncated = true;
    this.counters.recordsTruncated++;
    return truncateRecord(data, this.maxDataBytes, this.flow.terminator);
  }

  /** Ends a waiting multi-line record (file quiet, rotated away, shutdown). */
  flush(): ProcessedRecord[] {
    return this.process(this.framer.flush());
  }

  private process(framed: FramedRecord[]): ProcessedRecord[] {
    const c = this.counters;
    const out: ProcessedRecord[] = new Array(framed.length);
    for (let i = 0; i < framed.length; i++) {
      const f = framed[i];
      c.linesRead += f.lines;
      const result = this.flow.pipeline(f.data);
      let data = result.data;
      let truncated = f.runaway;
      if (result.outcome === 'dropped') {
        c.recordsDropped++;
        if (this.dropsAreParseFailures) c.parseFailures++;
      } else if (result.outcome === 'unconverted') {
        c.conversionErrors++;
      }
      if (data !== null && data.length > this.maxDataBytes) {
        data = truncateRecord(data, this.maxDataBytes, this.flow.terminator);
        truncated = true;
      }
      if (truncated) c.recordsTruncated++;
      out[i] = { data, lines: f.lines, startOffset: f.startOffset, endOffset: f.endOffset, truncated };
    }
    c.recordsFramed += framed.length;
    const fc = this.framer.counters;
    c.headerLinesSkipped += fc.headerLinesSkipped - this.framerSeen.headerLinesSkipped;
    c.bytesDiscarded += fc.bytesDiscarded - this.framerSeen.bytesDiscarded;
    this.framerSeen = { headerLinesSkipped: fc.headerLinesSkipped, bytesDiscarded: fc.bytesDiscarded };
    return out;
  }
}
