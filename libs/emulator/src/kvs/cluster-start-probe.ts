/**
 * Spots the start of the next Cluster in a PutMedia body before the Matroska reader has the whole Cluster, so the
 * BUFFERING acknowledgement goes out when the fragment's first bytes arrive (kvs-reference.md §3.7: "first byte of
 * a fragment received"), with the Cluster Timecode it must carry — not only when the fragment is complete.
 *
 * The reader (@tributary/media MatroskaStreamReader) reports each top-level element when it is whole; its end is
 * where the next top-level element begins. From there the probe reads element headers only (RFC 8794 §4–§6):
 * Void, CRC-32, SeekHead, Cues, Chapters and Attachments of known size are stepped over; a Cluster is opened far
 * enough to read its first Timecode (after an optional CRC-32 or Void), and anything else (Tags, a new EBML header)
 * is left to the reader, whose next event re-arms the probe. Besides the current chunk it keeps the last `WINDOW`
 * bytes before it, since an unknown-size Cluster is only known to end once the next element's header is in —
 * possibly in the previous chunk. Pure: bytes in, a start out.
 */
import { MkvId, readElementHeader, readUint, UNKNOWN_SIZE } from '@tributary/media';

/** Enough for a Cluster header (4 + 8), a CRC-32 (6) or a short Void, and a Timecode (1 + 8 + 8). */
const WINDOW = 64;
const STEP_OVER = new Set<number>([MkvId.Void, MkvId.CRC32, MkvId.SeekHead, MkvId.Cues, MkvId.Chapters, MkvId.Attachments]);

export interface ClusterStart {
  /** Absolute offset of the Cluster element in the body. */
  offset: number;
  /** Its Timecode, raw (TimecodeScale ticks), as the BUFFERING ack reports it. */
  timecode: number;
}

export class ClusterStartProbe {
  /** The last WINDOW bytes before `current`, starting at absolute offset `tailStart`. */
  private tail: Uint8Array = new Uint8Array(0);
  private tailStart = 0;
  private current: Uint8Array = new Uint8Array(0);
  private currentStart = 0;
  private boundary = -1;
  private searching = false;

  /** Records a pushed chunk (call for every chunk, in order, before `probe`); the chunk is read, not copied. */
  feed(chunk: Uint8Array): void {
    const keepFromCurrent = Math.min(this.current.length, WINDOW);
    const keepFromTail = Math.min(this.tail.length, WINDOW - keepFromCurrent);
    const next = new Uint8Array(keepFromTail + keepFromCurrent);
    next.set(this.tail.subarray(this.tail.length - keepFromTail), 0);
    next.set(this.current.subarray(this.current.length - keepFromCurrent), keepFromTail);
    const end = this.currentStart + this.current.length;
    this.tail = next;
    this.tailStart = end - next.length;
    this.current = chunk;
    this.currentStart = end;
  }

  /** A top-level element ended at `offset` (the reader's last event): the next one starts there. */
  elementEnded(offset: number): void {
    this.boundary = offset;
    this.searching = true;
  }

  /** Stop looking until the next `elementEnded` (a fragment is open, or the body failed). */
  pause(): void {
    this.searching = false;
  }

  /** Looks at what has arrived past the boundary; returns the Cluster that starts there, once its Timecode is in. */
  probe(): ClusterStart | undefined {
    while (this.searching) {
      const window = this.bytesAt(this.boundary);
      if (window === undefined) return undefined;
      let h;
      try {
        h = readElementHeader(window, 0);
      } catch {
        this.searching = false; // not EBML: the reader will say so
        return undefined;
      }
      if (h === undefined) return undefined;
      if (h.id === MkvId.Cluster) {
        const timecode = this.timecodeOf(window, h.headerLength);
        if (timecode === 'need-more') return undefined;
        this.searching = false;
        return timecode === undefined ? undefined : { offset: this.boundary, timecode };
      }
      if (STEP_OVER.has(h.id) && h.size !== UNKNOWN_SIZE) {
        this.boundary += h.headerLength + h.size;
        continue;
      }
      this.searching = false;
    }
    return undefined;
  }

  /** The Cluster's first Timecode value, 'need-more', or undefined when it does not lead the Cluster. */
  private timecodeOf(window: Uint8Array, from: number): number | 'need-more' | undefined {
    let at = from;
    for (;;) {
      let c;
      try {
        c = readElementHeader(window, at);
      } catch {
        return undefined;
      }
      if (c === undefined) return window.length >= WINDOW ? undefined : 'need-more';
      if (c.size === UNKNOWN_SIZE) return undefined;
      const end = at + c.headerLength + c.size;
      if (c.id === MkvId.Timecode) {
        if (end > window.length) return window.length >= WINDOW ? undefined : 'need-more';
        return readUint(window.subarray(at + c.headerLength, end));
      }
      if (c.id !== MkvId.CRC32 && c.id !== MkvId.Void) return undefined;
      at = end;
      if (at >= WINDOW) return undefined;
    }
  }

  /** Up to WINDOW bytes from absolute `offset`, or undefined when they are not kept (or not yet arrived). */
  private bytesAt(offset: number): Uint8Array | undefined {
    const end = this.currentStart + this.current.length;
    if (offset < this.tailStart || offset >= end) return undefined;
    if (offset >= this.currentStart) {
      const at = offset - this.currentStart;
      return this.current.subarray(at, Math.min(this.current.length, at + WINDOW));
    }
    const fromTail = this.tail.subarray(offset - this.tailStart);
    const out = new Uint8Array(Math.min(WINDOW, fromTail.length + this.current.length));
    out.set(fromTail.subarray(0, out.length), 0);
    if (out.length > fromTail.length) out.set(this.current.subarray(0, out.length - fromTail.length), fromTail.length);
    return out;
  }
}
