/**
 * A growable byte buffer for one batch of output lines: strings are encoded into it in place and payloads copied
 * as bytes, so that a batch becomes one Buffer and one stdout write without a string per line (the garbage of
 * per-line strings was a third of `tail`'s CPU in the bench).
 */
export class LineBuffer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A string of code units < 0x80 only (sequence numbers, times, field names we write). */
  ascii(text: string): void {
    this.ensure(text.length);
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  utf8(text: string): void {
    this.ensure(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  bytes(data: Uint8Array, start = 0, end = data.byteLength): void {
    this.ensure(end - start);
    this.buf.set(start === 0 && end === data.byteLength ? data : data.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** The bytes written so far (a copy: the buffer is reused), and empties it. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}
