/**
 * One shard's records: append-only segments plus an in-memory index rebuilt on open.
 *
 * Records are addressed by ordinal (0, 1, 2, … per shard). The KDS sequence number embeds the ordinal
 * (see kds/sequence-number.ts), so seeking by sequence number is an array lookup and seeking by time is a
 * binary search over arrival timestamps, which never decrease within a shard.
 */
import { decodeFrame, encodeFrames, type RecordInput } from './record-frame-codec';
import type { Segment, SegmentBackend } from './segment-backend';
import { STORAGE_DEFAULTS } from '../defaults';

export interface StoredRecord {
  ordinal: number;
  arrival: number;
  partitionKey: string;
  data: Uint8Array;
}

export interface ShardLogOptions {
  segmentBytes?: number;
  /** fdatasync after every append (the `always` fsync policy). */
  syncEveryAppend?: boolean;
  /** CRC-32 per frame (default true); only logs that are recovered from files need them. */
  checksums?: boolean;
  onWarning?: (message: string) => void;
}

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

export class ShardLog {
  private readonly segments: Segment[] = [];
  /** Byte offset of each record within its segment, indexed by ordinal - base. */
  private readonly offsets = new Float64Column();
  private readonly arrivals = new Float64Column();
  /** Ordinal of the first indexed record. */
  private base = 0;
  /** First ordinal still inside retention (records below it are invisible even if their segment remains). */
  private trimmedTo = 0;
  private next = 0;
  private dirty = false;
  private readonly segmentBytes: number;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly backend: SegmentBackend,
    private readonly options: ShardLogOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? STORAGE_DEFAULTS.segmentBytes;
    this.recover();
  }

  /** Ordinal the next appended record gets (= number of records ever appended). */
  get length(): number {
    return this.next;
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
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.size >= this.segmentBytes) {
      seg = this.backend.create(first);
      this.segments.push(seg);
    }
    const bytes = encodeFrames(records, keyBytes, this.options.checksums ?? true);
    const start = seg.size;
    seg.append(bytes);
    let at = start;
    for (let i = 0; i < records.length; i++) {
      this.offsets.push(at);
      this.arrivals.push(records[i].arrival);
      at += 18 + keyBytes[i] + records[i].data.length;
    }
    this.next += records.length;
    if (this.options.syncEveryAppend) seg.sync();
    else this.dirty = true;
    for (const l of this.listeners) l();
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
    this.trimmedTo = Math.max(this.trimmedTo, this.ordinalAtOrAfter(cutoff));
    while (this.segments.length > 1 && this.segments[1].firstOrdinal <= this.trimmedTo) {
      const seg = this.segments.shift() as Segment;
      const dropped = this.segments[0].firstOrdinal - seg.firstOrdinal;
      this.offsets.dropHead(dropped);
      this.arrivals.dropHead(dropped);
      this.base += dropped;
      this.backend.remove(seg);
    }
  }

  /** Calls `listener` after every append (SubscribeToShard pushes instead of polling). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** fdatasync if anything was appended since the last sync. */
  sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.segments[this.segments.length - 1]?.sync();
  }

  close(): void {
    this.sync();
    for (const s of this.segments) s.close();
    this.listeners.clear();
  }

  destroy(): void {
    for (const s of this.segments) s.close();
    this.backend.destroy();
    this.listeners.clear();
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

  /** Rebuilds the index from the segment files; a torn or corrupt tail is cut off. */
  private recover(): void {
    const segments = this.backend.open();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (this.segments.length === 0) {
        this.base = seg.firstOrdinal;
        this.trimmedTo = seg.firstOrdinal;
        this.next = seg.firstOrdinal;
      } else if (seg.firstOrdinal !== this.next) {
        this.options.onWarning?.(`segment starting at ${seg.firstOrdinal} does not follow ordinal ${this.next}; dropped`);
        for (const rest of segments.slice(i)) this.backend.remove(rest);
        break;
      }
      const bytes = seg.read(0, seg.size);
      let at = 0;
      for (;;) {
        const r = decodeFrame(bytes, at, true);
        if (r.kind !== 'frame') {
          if (at < bytes.length) {
            this.options.onWarning?.(`truncating ${bytes.length - at} bytes of torn tail (${r.kind}) in segment ${seg.firstOrdinal}`);
            seg.truncate(at);
          }
          break;
        }
        this.offsets.push(at);
        this.arrivals.push(r.frame.arrival);
        this.next++;
        at += r.frame.frameBytes;
      }
      if (seg.size === 0 && i > 0) {
        this.backend.remove(seg);
        continue;
      }
      this.segments.push(seg);
    }
  }
}
