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
import { SegmentedLog, type SegmentedLogOptions, type TornTail } from './segmented-log';

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

/** Segment size, fsync policy, checksums, warnings: see segmented-log.ts. */
export type FragmentLogOptions = SegmentedLogOptions;

export class FragmentLog extends SegmentedLog<FragmentEntry> {
  /** Indexed entries, ordinal `base` first. */
  private index: IndexedEntry[] = [];
  private readonly byNumber = new Map<string, number>();

  constructor(backend: SegmentBackend, options: FragmentLogOptions = {}) {
    super(backend, options, 'fragment segment');
    this.recover();
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
    const bytes = encodeFragmentFrame(record, this.options.checksums ?? true);
    const { segment, offset } = this.write(bytes);
    this.written(segment);
    const entry = this.indexEntry(record, segment, offset, bytes.length);
    this.notify(entry);
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
    this.trimTo(to);
  }

  protected dropIndexHead(count: number): void {
    this.index = this.index.slice(count);
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

  /** Indexes the segment's frames, read one at a time (fragments are large). */
  protected indexSegment(seg: Segment): TornTail | undefined {
    let at = 0;
    while (at < seg.size) {
      const reason = this.recoverFrame(seg, at);
      if (typeof reason === 'string') return { at, reason };
      at += reason;
    }
    return undefined;
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
