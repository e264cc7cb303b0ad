/**
 * The chunk list behind the streaming decoder: pushed chunks are kept as they are (no copy on push), addressed by
 * absolute stream offset, and only copied when a caller asks for a range that spans chunks. Chunks wholly before
 * the lowest offset still needed are dropped on the next push.
 */
const EMPTY = new Uint8Array(0);

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Absolute offset of each chunk's first byte. */
  private starts: number[] = [];
  /** Index of the first live chunk (earlier slots are dropped and compacted now and then). */
  private head = 0;
  /** Absolute offset just past the last byte pushed. */
  private total = 0;
  /** Chunk index of the last lookup: sequential reads stay O(1). */
  private cursor = 0;

  /** Offset just past the last byte received. */
  get end(): number {
    return this.total;
  }

  /** Offset of the oldest byte still held. */
  get begin(): number {
    return this.head < this.chunks.length ? this.starts[this.head] : this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.starts.push(this.total);
    this.total += chunk.length;
  }

  /** Drops chunks that end at or before `offset`. */
  discardBefore(offset: number): void {
    const { chunks, starts } = this;
    let h = this.head;
    while (h < chunks.length && starts[h] + chunks[h].length <= offset) {
      chunks[h] = EMPTY;
      h++;
    }
    if (h === chunks.length) {
      this.chunks = [];
      this.starts = [];
      h = 0;
    } else if (h > 32 && h * 2 > chunks.length) {
      this.chunks = chunks.slice(h);
      this.starts = starts.slice(h);
      h = 0;
    }
    this.head = h;
    this.cursor = h;
  }

  /** The byte at absolute `offset`; the caller guarantees begin <= offset < end. */
  byteAt(offset: number): number {
    const i = this.chunkIndex(offset);
    return this.chunks[i][offset - this.starts[i]];
  }

  /** Bytes [from, to) — a view when they sit in one chunk, else one copy. Caller guarantees the range is held. */
  slice(from: number, to: number): Uint8Array {
    if (to <= from) return EMPTY;
    const i = this.chunkIndex(from);
    const chunk = this.chunks[i];
    const local = from - this.starts[i];
    if (to - this.starts[i] <= chunk.length) return chunk.subarray(local, local + (to - from));
    const out = new Uint8Array(to - from);
    let written = 0;
    let j = i;
    let pos = local;
    while (written < out.length) {
      const c = this.chunks[j];
      const n = Math.min(c.length - pos, out.length - written);
      out.set(c.subarray(pos, pos + n), written);
      written += n;
      j++;
      pos = 0;
    }
    return out;
  }

  private chunkIndex(offset: number): number {
    const { starts, chunks } = this;
    let i = this.cursor < this.head ? this.head : this.cursor;
    if (i >= chunks.length) i = chunks.length - 1;
    while (offset < starts[i]) i--;
    while (offset >= starts[i] + chunks[i].length) i++;
    this.cursor = i;
    return i;
  }
}
