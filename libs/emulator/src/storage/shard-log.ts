/**
 * One shard's records: append-only segments plus an in-memory index rebuilt on open.
 *
 * Records are addressed by ordinal (0, 1, 2, … per shard). The KDS sequence number embeds the ordinal
 * (see kds/sequence-number.ts), so seeking by sequence number is an array lookup and seeking by time is a
 * binary search over arrival timestamps, which never decrease within a shard.
 */
import { decodeFrame, encodeFrames, type RecordInput } from './record-frame-codec';
import type { Segment, SegmentBackend } from './segment-backend';
import { SegmentedLog, type SegmentedLogOptions, type TornTail } from './segmented-log';

export interface StoredRecord {
  ordinal: number;
  arrival: number;
  partitionKey: string;
  data: Uint8Array;
}

/** Segment size, fsync policy, checksums, warnings: see segmented-log.ts. */
export type ShardLogOptions = SegmentedLogOptions;

/** A Float64Array that grows and can drop its head, for the per-record index. */
class Float64Column {
  private data = new Float64Array(1024);
  private head = 0;
  length = 0;
  push(v: number): void {
    if (this.head + this.length === this.data.length) {
      if (this.head > this.data.length / 2) {
        this.data.copyWithin(0, this.head, this.head + this.length);
        this.head = 0;
      } else {
        const grown = new Float64Array(this.data.length * 2);
        grown.set(this.data.subarray(this.head, this.head + this.length));
        this.data = grown;
        this.head = 0;
      }
    }
    this.data[this.head + this.length++] = v;
  }
  at(i: number): number {
    return this.data[this.head + i];
  }
  dropHead(n: number): void {
    this.head += n;
    this.length -= n;
  }
  truncate(n: number): void {
    this.length = n;
  }
}

export class ShardLog extends SegmentedLog<void> {
  /** Byte offset of each record within its segment, indexed by ordinal - base. */
  private readonly offsets = new Float64Column();
  private readonly arrivals = new Float64Column();

  constructor(backend: SegmentBackend, options: ShardLogOptions = {}) {
    super(backend, options, 'segment');
    this.recover();
  }

  /** First ordinal a reader can get (TRIM_HORIZON). */
  get trimHorizon(): number {
    return this.trimmedTo;
  }
  get lastArrival(): number | undefined {
    return this.next > this.trimmedTo ? this.arrivals.at(this.next - 1 - this.base) : undefined;
  }

  arrivalOf(ordinal: number): number {
    return this.arrivals.at(ordinal - this.base);
  }

  /** Appends in order; returns the ordinal of the first record. The bytes are written before this returns. */
  append(records: readonly RecordInput[], keyBytes: readonly number[]): number {
    const first = this.next;
    if (records.length === 0) return first;
    const bytes = encodeFrames(records, keyBytes, this.options.checksums ?? true);
    const { segment, offset } = this.write(bytes);
    let at = offset;
    for (let i = 0; i < records.length; i++) {
      this.offsets.push(at);
      this.arrivals.push(records[i].arrival);
      at += 18 + keyBytes[i] + records[i].data.length;
    }
    this.next += records.length;
    this.written(segment);
    this.notify();
    return first;
  }

  /**
   * Reads from `from` (clamped to the trim horizon) at most `maxCount` records and about `maxBytes` of data
   * (the first record is always returned so one large record cannot stall a reader).
   */
  read(from: number, maxCount: number, maxBytes: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    let ordinal = Math.max(from, this.trimmedTo);
    let bytes = 0;
    while (ordinal < this.next && out.length < maxCount) {
      const segIndex = this.segmentIndexOf(ordinal);
      const seg = this.segments[segIndex];
      const segEndOrdinal = segIndex + 1 < this.segments.length ? this.segments[segIndex + 1].firstOrdinal : this.next;
      // Find how many frames of this segment fit the budget, using the index only.
      let last = ordinal;
      const startOffset = this.offsets.at(ordinal - this.base);
      while (last < segEndOrdinal && out.length + (last - ordinal) < maxCount) {
        const end = last + 1 < segEndOrdinal ? this.offsets.at(last + 1 - this.base) : seg.size;
        const size = end - startOffset;
        if (size > maxBytes - bytes && (out.length > 0 || last > ordinal)) break;
        last++;
      }
      // The next frame does not fit what is left of the budget: stop (looping again would make no progress).
      if (last === ordinal) break;
      const endOffset = last < segEndOrdinal ? this.offsets.at(last - this.base) : seg.size;
      const chunk = seg.read(startOffset, endOffset - startOffset);
      let at = 0;
      for (let o = ordinal; o < last; o++) {
        const r = decodeFrame(chunk, at, false);
        if (r.kind !== 'frame') throw new Error(`shard log index points at a bad frame (${r.kind}) at ordinal ${o}`);
        out.push({ ordinal: o, arrival: r.frame.arrival, partitionKey: r.frame.partitionKey, data: r.frame.data });
        at += r.frame.frameBytes;
      }
      bytes += endOffset - startOffset;
      ordinal = last;
      if (bytes >= maxBytes) break;
    }
    return out;
  }

  /** First ordinal whose arrival is ≥ `timestamp` (or `length` if none). */
  ordinalAtOrAfter(timestamp: number): number {
    let lo = this.trimmedTo;
    let hi = this.next;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.arrivals.at(mid - this.base) < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Retention: hides records that arrived before `cutoff` and deletes segments that hold only such records. */
  trimBefore(cutoff: number): void {
    this.trimTo(Math.max(this.trimmedTo, this.ordinalAtOrAfter(cutoff)));
  }

  protected dropIndexHead(count: number): void {
    this.offsets.dropHead(count);
    this.arrivals.dropHead(count);
  }

  private segmentIndexOf(ordinal: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid].firstOrdinal <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Indexes the segment's frames, read in one piece. */
  protected indexSegment(seg: Segment): TornTail | undefined {
    const bytes = seg.read(0, seg.size);
    let at = 0;
    for (;;) {
      const r = decodeFrame(bytes, at, true);
      if (r.kind !== 'frame') return at < bytes.length ? { at, reason: r.kind } : undefined;
      this.offsets.push(at);
      this.arrivals.push(r.frame.arrival);
      this.next++;
      at += r.frame.frameBytes;
    }
  }
}
