/**
 * The lifecycle both append-only logs share (ShardLog for KDS records, FragmentLog for KVS fragments): a list of
 * segments named after the ordinal of their first entry, recovered on open (segments that do not follow on are
 * dropped, a torn or corrupt tail is cut off, empty segments after the first are removed), a new segment once the
 * last one reaches `segmentBytes`, fdatasync after every append or on `sync()` (the fsync policy of
 * storage-engine.ts), retention that deletes whole segments, close and destroy.
 *
 * What differs is the frame codec and the in-memory index, which the subclasses keep: they index every frame of a
 * segment on recovery (`indexSegment`) and drop index entries when leading segments go (`dropIndexHead`). The
 * bytes on disk are the subclasses' frames one after another; this class adds nothing to them.
 *
 * Subclasses call `recover()` at the end of their constructor, once their own index fields exist.
 */
import type { Segment, SegmentBackend } from './segment-backend';
import { STORAGE_DEFAULTS } from '../defaults';

export interface SegmentedLogOptions {
  segmentBytes?: number;
  /** fdatasync after every append (the `always` fsync policy). */
  syncEveryAppend?: boolean;
  /** CRC-32 per frame (default true); only logs that are recovered from files need them. */
  checksums?: boolean;
  onWarning?: (message: string) => void;
}

/** Where recovery stopped reading a segment, and why (the bytes from `at` on are cut off). */
export interface TornTail {
  at: number;
  reason: string;
}

export abstract class SegmentedLog<Appended> {
  protected readonly segments: Segment[] = [];
  /** Ordinal of the first indexed entry. */
  protected base = 0;
  /** First ordinal still inside retention (entries below it are invisible even if their segment remains). */
  protected trimmedTo = 0;
  /** Ordinal the next appended entry gets. */
  protected next = 0;
  private dirty = false;
  private readonly segmentBytes: number;
  private readonly listeners = new Set<(appended: Appended) => void>();

  protected constructor(
    private readonly backend: SegmentBackend,
    protected readonly options: SegmentedLogOptions,
    /** How warnings name a segment ("segment", "fragment segment"). */
    private readonly segmentLabel: string,
  ) {
    this.segmentBytes = options.segmentBytes ?? STORAGE_DEFAULTS.segmentBytes;
  }

  /** Ordinal the next appended entry gets (= number of entries ever appended). */
  get length(): number {
    return this.next;
  }

  /** Calls `listener` after every append (readers push or tail instead of polling). */
  onAppend(listener: (appended: Appended) => void): () => void {
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

  /** Indexes every frame of `segment` from its start (advancing `next`); says where a torn tail begins, if any. */
  protected abstract indexSegment(segment: Segment): TornTail | undefined;

  /** Forgets the first `count` index entries (their segment was deleted). */
  protected abstract dropIndexHead(count: number): void;

  /** Writes `bytes` (frames of entries from `next` on) to the last segment, starting a new one when it is full. */
  protected write(bytes: Uint8Array): { segment: Segment; offset: number } {
    let segment = this.segments[this.segments.length - 1];
    if (!segment || segment.size >= this.segmentBytes) {
      segment = this.backend.create(this.next);
      this.segments.push(segment);
    }
    const offset = segment.size;
    segment.append(bytes);
    return { segment, offset };
  }

  /** Applies the fsync policy to what `write` just wrote. */
  protected written(segment: Segment): void {
    if (this.options.syncEveryAppend) segment.sync();
    else this.dirty = true;
  }

  protected notify(appended: Appended): void {
    for (const l of this.listeners) l(appended);
  }

  /** Retention: makes `ordinal` the first visible one and deletes the segments that hold only entries below it. */
  protected trimTo(ordinal: number): void {
    this.trimmedTo = ordinal;
    while (this.segments.length > 1 && this.segments[1].firstOrdinal <= this.trimmedTo) {
      const seg = this.segments.shift() as Segment;
      const dropped = this.segments[0].firstOrdinal - seg.firstOrdinal;
      this.dropIndexHead(dropped);
      this.base += dropped;
      this.backend.remove(seg);
    }
  }

  /** Rebuilds the index from the segment files; a torn or corrupt tail is cut off. */
  protected recover(): void {
    const segments = this.backend.open();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (this.segments.length === 0) {
        this.base = seg.firstOrdinal;
        this.trimmedTo = seg.firstOrdinal;
        this.next = seg.firstOrdinal;
      } else if (seg.firstOrdinal !== this.next) {
        this.options.onWarning?.(`${this.segmentLabel} starting at ${seg.firstOrdinal} does not follow ordinal ${this.next}; dropped`);
        for (const rest of segments.slice(i)) this.backend.remove(rest);
        break;
      }
      const torn = this.indexSegment(seg);
      if (torn) {
        this.options.onWarning?.(
          `truncating ${seg.size - torn.at} bytes of torn tail (${torn.reason}) in ${this.segmentLabel} ${seg.firstOrdinal}`,
        );
        seg.truncate(torn.at);
      }
      if (seg.size === 0 && i > 0) {
        this.backend.remove(seg);
        continue;
      }
      this.segments.push(seg);
    }
  }
}
