/**
 * One Kinesis Video stream's fragments: append-only segment files (the same SegmentBackend as the KDS shard logs)
 * of CRC-protected fragment frames (fragment-frame-codec.ts), plus an in-memory index rebuilt on open.
 *
 * Fragments are addressed by ordinal (0, 1, 2, … per stream, in ingestion order); the index keeps per fragment its
 * number, timestamps, length, size and where its frame lies, so ListFragments and the GetMedia start selectors are
 * answered from memory and a fragment's bytes cost one read. Server timestamps never decrease in ordinal order
 * (the writer guarantees it), so seeking by server time is a binary search.
 */
import { decodeFragmentFrame, encodeFragmentFrame, type DecodedFragmentFrame, type FragmentRecord } from './fragment-frame-codec';
import type { Segment, SegmentBackend } from './segment-backend';
import { STORAGE_DEFAULTS } from '../defaults';

export interface FragmentEntry {
  readonly ordinal: number;
  readonly fragmentNumber: bigint;
  /** The number as KVS prints it (a decimal string). */
  readonly fragmentNumberText: string;
  readonly serverTimestampMs: number;
  readonly producerTimestampMs: number;
  readonly durationMs: number;
  /** Media bytes of the fragment: its Cluster and metadata Tags (FragmentSizeInBytes). */
  readonly sizeBytes: number;
}

/** An entry and where its frame lies (kept apart so entries handed out do not expose the segment). */
interface IndexedEntry {
  readonly entry: FragmentEntry;
  readonly segment: Segment;
  readonly offset: number;
  readonly frameBytes: number;
}

export interface FragmentLogOptions {
  segmentBytes?: number;
  /** fdatasync after every append (the `always` fsync policy). */
  syncEveryAppend?: boolean;
  /** CRC-32 per frame (default true); only logs that are recovered from files need them. */
  checksums?: boolean;
  onWarning?: (message: string) => void;
}

export class FragmentLog {
  private readonly segments: Segment[] = [];
  /** Indexed entries, ordinal `base` first. */
  private index: IndexedEntry[] = [];
  private base = 0;
  /** First ordinal still inside retention. */
  private trimmedTo = 0;
  private next = 0;
  private dirty = false;
  private readonly byNumber = new Map<string, number>();
  private readonly segmentBytes: number;
  private readonly listeners = new Set<(entry: FragmentEntry) => void>();

  constructor(
    private readonly backend: SegmentBackend,
    private readonly options: FragmentLogOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? STORAGE_DEFAULTS.segmentBytes;
    this.recover();
  }

  /** Ordinal the next fragment gets (= number of fragments ever appended). */
  get length(): number {
    return this.next;
  }
  /** First ordinal a reader can get. */
  get firstOrdinal(): number {
    return this.trimmedTo;
  }
  /** The newest fragment, if any is visible. */
  get last(): FragmentEntry | undefined {
    return this.next > this.trimmedTo ? this.index[this.next - 1 - this.base].entry : undefined;
  }

  /** The visible fragment of `ordinal`, or undefined (trimmed or not yet written). */
  entry(ordinal: number): FragmentEntry | undefined {
    return ordinal >= this.trimmedTo && ordinal < this.next ? this.index[ordinal - this.base].entry : undefined;
  }

  /** Visible fragments in ingestion order. */
  entries(): readonly FragmentEntry[] {
    return this.index.slice(this.trimmedTo - this.base).map((i) => i.entry);
  }

  /** The visible fragment numbered `fragmentNumber` (decimal text, leading zeros ignored). */
  find(fragmentNumber: string): FragmentEntry | undefined {
    const ordinal = this.byNumber.get(normalise(fragmentNumber));
    return ordinal === undefined ? undefined : this.entry(ordinal);
  }

  /** Appends one fragment; the bytes are written (and, under `syncEveryAppend`, synced) before this returns. */
  append(record: FragmentRecord): FragmentEntry {
    const last = this.last;
    if (last && record.fragmentNumber <= last.fragmentNumber) {
      throw new RangeError(`fragment number ${record.fragmentNumber} does not follow ${last.fragmentNumber}`);
    }
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.size >= this.segmentBytes) {
      seg = this.backend.create(this.next);
      this.segments.push(seg);
    }
    const bytes = encodeFragmentFrame(record, this.options.checksums ?? true);
    const offset = seg.size;
    seg.append(bytes);
    if (this.options.syncEveryAppend) seg.sync();
    else this.dirty = true;
    const entry = this.indexEntry(record, seg, offset, bytes.length);
    for (const l of this.listeners) l(entry);
    return entry;
  }

  /** The stored frame of a visible fragment (one read). */
  read(entry: FragmentEntry): DecodedFragmentFrame {
    const indexed = entry.ordinal >= this.trimmedTo ? this.index[entry.ordinal - this.base] : undefined;
    if (!indexed || indexed.entry.fragmentNumber !== entry.fragmentNumber) {
      throw new RangeError(`fragment ${entry.fragmentNumberText} is no longer stored`);
    }
    const bytes = indexed.segment.read(indexed.offset, indexed.frameBytes);
    const r = decodeFragmentFrame(bytes, 0, false);
    if (r.kind !== 'frame') throw new Error(`fragment log index points at a bad frame (${r.kind}) at ordinal ${entry.ordinal}`);
    return r.frame;
  }

  /** First visible ordinal whose server timestamp is ≥ `timestampMs` (or `length` if none). */
  ordinalAtOrAfterServerTime(timestampMs: number): number {
    let lo = this.trimmedTo;
    let hi = this.next;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.index[mid - this.base].entry.serverTimestampMs < timestampMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Retention: hides fragments received before `cutoffMs` and deletes segments that hold only such fragments. */
  trimBefore(cutoffMs: number): void {
    const to = this.ordinalAtOrAfterServerTime(cutoffMs);
    if (to <= this.trimmedTo) return;
    for (let o = this.trimmedTo; o < to; o++) this.byNumber.delete(this.index[o - this.base].entry.fragmentNumberText);
    this.trimmedTo = to;
    while (this.segments.length > 1 && this.segments[1].firstOrdinal <= this.trimmedTo) {
      const seg = this.segments.shift() as Segment;
      const dropped = this.segments[0].firstOrdinal - seg.firstOrdinal;
      this.index = this.index.slice(dropped);
      this.base += dropped;
      this.backend.remove(seg);
    }
  }

  /** Calls `listener` after every append (GetMedia tails the stream instead of polling). */
  onAppend(listener: (entry: FragmentEntry) => void): () => void {
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

  private indexEntry(record: FragmentRecord, segment: Segment, offset: number, frameBytes: number): FragmentEntry {
    const entry: FragmentEntry = {
      ordinal: this.next,
      fragmentNumber: record.fragmentNumber,
      fragmentNumberText: record.fragmentNumber.toString(),
      serverTimestampMs: record.serverTimestampMs,
      producerTimestampMs: record.producerTimestampMs,
      durationMs: record.durationMs,
      sizeBytes: record.cluster.length + record.tags.length,
    };
    this.index.push({ entry, segment, offset, frameBytes });
    this.byNumber.set(entry.fragmentNumberText, entry.ordinal);
    this.next++;
    return entry;
  }

  /** Rebuilds the index from the segment files, one frame at a time; a torn or corrupt tail is cut off. */
  private recover(): void {
    const segments = this.backend.open();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (this.segments.length === 0) {
        this.base = seg.firstOrdinal;
        this.trimmedTo = seg.firstOrdinal;
        this.next = seg.firstOrdinal;
      } else if (seg.firstOrdinal !== this.next) {
        this.options.onWarning?.(`fragment segment starting at ${seg.firstOrdinal} does not follow ordinal ${this.next}; dropped`);
        for (const rest of segments.slice(i)) this.backend.remove(rest);
        break;
      }
      let at = 0;
      while (at < seg.size) {
        const reason = this.recoverFrame(seg, at);
        if (typeof reason === 'string') {
          this.options.onWarning?.(`truncating ${seg.size - at} bytes of torn tail (${reason}) in fragment segment ${seg.firstOrdinal}`);
          seg.truncate(at);
          break;
        }
        at += reason;
      }
      if (seg.size === 0 && i > 0) {
        this.backend.remove(seg);
        continue;
      }
      this.segments.push(seg);
    }
  }

  /** Indexes the frame at `at` and returns its size, or says why it is unusable. */
  private recoverFrame(seg: Segment, at: number): number | string {
    const head = seg.read(at, 4);
    const probe = decodeFragmentFrame(head, 0, true);
    if (probe.kind === 'corrupt') return probe.reason;
    if (probe.kind !== 'need-more' || probe.frameBytes === undefined) return 'short frame';
    if (at + probe.frameBytes > seg.size) return 'short frame';
    const r = decodeFragmentFrame(seg.read(at, probe.frameBytes), 0, true);
    if (r.kind !== 'frame') return r.kind === 'corrupt' ? r.reason : 'short frame';
    const last = this.last;
    if (last && r.frame.fragmentNumber <= last.fragmentNumber) return 'fragment number out of order';
    this.indexEntry(r.frame, seg, at, r.frame.frameBytes);
    return r.frame.frameBytes;
  }
}

const normalise = (n: string): string => n.replace(/^0+(?=\d)/, '');
