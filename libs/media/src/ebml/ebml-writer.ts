/**
 * EBML encoders (RFC 8794): value octets for each element type (§7), whole elements, and `EbmlWriter`, a growable
 * buffer that writes masters with a size patched in when they end (or the unknown-size form, §6.2). Leaves get
 * the shortest size field; masters default to 8-octet size fields (what PIC and ffmpeg write, kvs-reference.md
 * §3.4) so the size can be patched without moving the children.
 */
import { MediaError } from '../media-error';
import { UNKNOWN_SIZE, idLength, sizeLengthFor, writeId, writeSize } from './ebml-vint';

const utf8 = new TextEncoder();

/** §7.2: shortest big-endian form (one 0x00 octet for 0, which every reader accepts). */
export function uintBytes(value: number | bigint, minLength = 1): Uint8Array {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << 64n) throw new MediaError('INVALID_ARGUMENT', `Unsigned integer out of range: ${value}`);
  let len = 1;
  while (len < 8 && v >= 1n << BigInt(8 * len)) len++;
  len = Math.max(len, minLength);
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** §7.1: shortest two's complement form. */
export function intBytes(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < -(1n << 63n) || v >= 1n << 63n) throw new MediaError('INVALID_ARGUMENT', `Signed integer out of range: ${value}`);
  let len = 1;
  while (len < 8 && (v < -(1n << BigInt(8 * len - 1)) || v >= 1n << BigInt(8 * len - 1))) len++;
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** §7.3: binary64 by default; binary32 when asked. */
export function floatBytes(value: number, width: 4 | 8 = 8): Uint8Array {
  const out = new Uint8Array(width);
  const view = new DataView(out.buffer);
  if (width === 4) view.setFloat32(0, value);
  else view.setFloat64(0, value);
  return out;
}

/** §7.4: ASCII (code points above 0x7E are refused). */
export function stringBytes(value: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e) throw new MediaError('INVALID_ARGUMENT', `EBML String must be ASCII (RFC 8794 §7.4): ${JSON.stringify(value)}`);
    out[i] = c;
  }
  return out;
}

/** §7.5. */
export function utf8Bytes(value: string): Uint8Array {
  return utf8.encode(value);
}

export interface ElementOptions {
  /** Octets of the size field (default: shortest for leaves). */
  sizeLength?: number;
}

/** A whole element: id, size, data. */
export function encodeElement(id: number, data: Uint8Array, options: ElementOptions = {}): Uint8Array {
  const sizeLength = options.sizeLength ?? sizeLengthFor(data.length);
  const out = new Uint8Array(idLength(id) + sizeLength + data.length);
  let p = writeId(out, 0, id);
  p = writeSize(out, p, data.length, sizeLength);
  out.set(data, p);
  return out;
}

export interface MasterOptions extends ElementOptions {
  /** Write the all-ones "unknown" size (RFC 8794 §6.2) instead of the children's length. */
  unknownSize?: boolean;
}

/** A master element around already-encoded children. */
export function encodeMaster(id: number, children: readonly Uint8Array[], options: MasterOptions = {}): Uint8Array {
  let bodyLength = 0;
  for (const c of children) bodyLength += c.length;
  const sizeLength = options.sizeLength ?? (options.unknownSize ? 8 : sizeLengthFor(bodyLength));
  const out = new Uint8Array(idLength(id) + sizeLength + bodyLength);
  let p = writeId(out, 0, id);
  p = writeSize(out, p, options.unknownSize ? UNKNOWN_SIZE : bodyLength, sizeLength);
  for (const c of children) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Where an open master's size field sits, for EbmlWriter.endMaster. */
export interface MasterMark {
  readonly sizeOffset: number;
  readonly sizeLength: number;
  readonly dataStart: number;
  readonly unknownSize: boolean;
}

/** Appends EBML elements to a growable buffer; `bytes()` returns a view of what was written. */
export class EbmlWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.len;
  }

  /** A view of the written bytes (valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  id(id: number): this {
    this.ensure(4);
    this.len = writeId(this.buf, this.len, id);
    return this;
  }

  size(size: number, length?: number): this {
    this.ensure(8);
    this.len = writeSize(this.buf, this.len, size, length);
    return this;
  }

  element(id: number, data: Uint8Array, options: ElementOptions = {}): this {
    this.id(id).size(data.length, options.sizeLength);
    return this.raw(data);
  }

  uint(id: number, value: number | bigint, options: ElementOptions & { minLength?: number } = {}): this {
    return this.element(id, uintBytes(value, options.minLength), options);
  }

  int(id: number, value: number | bigint, options: ElementOptions = {}): this {
    return this.element(id, intBytes(value), options);
  }

  float(id: number, value: number, width: 4 | 8 = 8, options: ElementOptions = {}): this {
    return this.element(id, floatBytes(value, width), options);
  }

  string(id: number, value: string, options: ElementOptions = {}): this {
    return this.element(id, stringBytes(value), options);
  }

  utf8(id: number, value: string, options: ElementOptions = {}): this {
    return this.element(id, utf8Bytes(value), options);
  }

  binary(id: number, data: Uint8Array, options: ElementOptions = {}): this {
    return this.element(id, data, options);
  }

  /** Opens a master; its size is written by endMaster (8-octet field by default) unless `unknownSize`. */
  startMaster(id: number, options: MasterOptions = {}): MasterMark {
    const sizeLength = options.sizeLength ?? 8;
    this.id(id);
    const sizeOffset = this.len;
    this.size(UNKNOWN_SIZE, sizeLength);
    return { sizeOffset, sizeLength, dataStart: this.len, unknownSize: options.unknownSize === true };
  }

  endMaster(mark: MasterMark): this {
    if (!mark.unknownSize) writeSize(this.buf, mark.sizeOffset, this.len - mark.dataStart, mark.sizeLength);
    return this;
  }

  /** startMaster + body + endMaster. */
  master(id: number, body: (w: this) => void, options: MasterOptions = {}): this {
    const mark = this.startMaster(id, options);
    body(this);
    return this.endMaster(mark);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}
