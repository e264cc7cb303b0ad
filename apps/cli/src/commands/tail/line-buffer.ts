/**
 * A growable byte buffer for one batch of output lines: strings are encoded into it in place and payloads copied
 * as bytes, so that a batch becomes one Buffer and one stdout write without a string per line (the garbage of
 * per-line strings was a third of `tail`'s CPU in the bench).
 */
/** Buffer's own latin1/utf8 writers: `buf.write(text, pos, encoding)` normalises its arguments on every call. */
type FastWrite = Buffer & { latin1Write(text: string, offset: number): number; utf8Write(text: string, offset: number): number };

export class LineBuffer {
  private buf: FastWrite;
  private pos = 0;
  /** The size of the last batch taken: the next buffer starts that large, so batches rarely grow (copy). */
  private sizeHint: number;

  constructor(initialBytes = 64 * 1024) {
    this.sizeHint = initialBytes;
    this.buf = Buffer.allocUnsafe(initialBytes) as FastWrite;
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra)) as FastWrite;
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A string of code units < 0x80 only (sequence numbers, times, field names we write). */
  ascii(text: string): void {
    this.ensure(text.length);
    this.pos += this.buf.latin1Write(text, this.pos);
  }

  utf8(text: string): void {
    this.ensure(text.length * 3);
    this.pos += this.buf.utf8Write(text, this.pos);
  }

  bytes(data: Uint8Array, start = 0, end = data.byteLength): void {
    const n = end - start;
    this.ensure(n);
    // Payloads are mostly short: a loop beats creating a subarray view for set() below ~64 bytes.
    if (n < 64) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = start; i < end; i++) buf[pos++] = data[i];
    } else this.buf.set(start === 0 && end === data.byteLength ? data : data.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** Room for `extra` more bytes: the copy() calls that follow, up to that many bytes, need no check each. */
  reserve(extra: number): void {
    this.ensure(extra);
  }

  /** bytes() after a reserve() that covers it: a plain loop, no size check (most pieces of a line are short). */
  copy(data: Uint8Array, start: number, end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) buf[pos++] = data[i];
    this.pos = pos;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** The bytes written so far, and starts a new buffer (the one returned is the caller's: no copy). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.sizeHint = Math.max(4 * 1024, Math.ceil(this.pos * 1.25));
    this.buf = Buffer.allocUnsafe(this.sizeHint) as FastWrite;
    this.pos = 0;
    return out;
  }
}
