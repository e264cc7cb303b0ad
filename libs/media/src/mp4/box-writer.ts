/**
 * ISO BMFF (ISO/IEC 14496-12 §4.2) box writer — the one place that writes box headers. A growable big-endian
 * buffer; `box`/`fullBox` write the header, run the body and patch the size, so callers never count bytes. Given
 * an exact `capacity` it never reallocates (the media-segment hot path sizes its moof up front).
 */
import { MediaError } from '../media-error';

const U32_LIMIT = 2 ** 32;

export class BoxWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written: a view of the internal buffer (exactly it when the capacity was exact). */
  finish(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  i16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos] = (v >>> 16) & 0xff;
    this.buf[this.pos + 1] = (v >>> 8) & 0xff;
    this.buf[this.pos + 2] = v & 0xff;
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
    return this;
  }

  /** A non-negative integer up to 2^53 as 64 bits. */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new MediaError('INVALID_ARGUMENT', `Not a 64-bit unsigned value: ${v}`);
    this.ensure(8);
    this.view.setUint32(this.pos, Math.floor(v / U32_LIMIT));
    this.view.setUint32(this.pos + 4, v % U32_LIMIT);
    this.pos += 8;
    return this;
  }

  /** Four ASCII characters. */
  fourcc(code: string): this {
    this.ensure(4);
    for (let i = 0; i < 4; i++) this.buf[this.pos + i] = code.charCodeAt(i);
    this.pos += 4;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Overwrites 4 octets already written at `at` (an entry count known only after the entries). */
  patchU32(at: number, v: number): this {
    this.view.setUint32(at, v);
    return this;
  }

  /** A box whose content `body` writes; the 32-bit size is patched afterwards. */
  box(type: string, body: (w: this) => void): this {
    const start = this.pos;
    this.u32(0).fourcc(type);
    body(this);
    const size = this.pos - start;
    if (size >= U32_LIMIT) throw new MediaError('INVALID_ARGUMENT', `Box ${type} of ${size} octets written whole`);
    this.view.setUint32(start, size);
    return this;
  }

  /** A FullBox: version (8 bits) and flags (24 bits) after the header. */
  fullBox(type: string, version: number, flags: number, body: (w: this) => void): this {
    return this.box(type, (w) => {
      w.u8(version).u24(flags);
      body(w);
    });
  }

  /**
   * Only the header of a box whose `payloadLength` octets are written elsewhere (an mdat of sample views): the
   * 64-bit largesize form when the box would not fit 32 bits.
   */
  boxHeader(type: string, payloadLength: number): this {
    if (payloadLength + 8 < U32_LIMIT) return this.u32(payloadLength + 8).fourcc(type);
    return this.u32(1).fourcc(type).u64(payloadLength + 16);
  }
}

/** Size of the header `boxHeader` writes for that payload. */
export function boxHeaderLength(payloadLength: number): number {
  return payloadLength + 8 < U32_LIMIT ? 8 : 16;
}

/** Total length of parts (a response body, say). */
export function bytesLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}
