/**
 * EBML variable-size integers (RFC 8794 §4) and the two things built from them: Element IDs (§5) and Element
 * Data Sizes (§6). Layout of a VINT, most significant bit first:
 *
 *   VINT_WIDTH   n-1 zero bits        (§4.1)  n = total length in octets, 1..8
 *   VINT_MARKER  one 1 bit            (§4.2)
 *   VINT_DATA    7*n bits, big-endian (§4.3)
 *
 * - An Element ID keeps its marker (ids are written as their raw octets, e.g. Segment = 0x18538067); EBML
 *   Readers of Matroska accept 1..4 octets (EBMLMaxIDLength, RFC 8794 §11.2.4); VINT_DATA of all zeros is not a
 *   valid id and all ones is reserved (§5).
 * - A Data Size drops its marker; 1..8 octets (EBMLMaxSizeLength, §11.2.5). VINT_DATA of all ones at ANY length
 *   means "unknown size" (§6.2) — live Matroska uses both the 1-octet `FF` and the 8-octet `01 FF FF FF FF FF FF
 *   FF` forms, so every length must be recognised.
 *
 * These functions read from a complete buffer; the streaming decoder has its own chunk-aware copy of the header
 * reader (ebml-stream-decoder.ts) so that it never allocates per element.
 */
import { MediaError } from '../media-error';

/** Marks an element whose size is unknown (RFC 8794 §6.2). */
export const UNKNOWN_SIZE = -1;

/** Largest id value we accept: 4 octets with the marker in the top octet (0x1FFFFFFF). */
export const MAX_ID_LENGTH = 4;
export const MAX_SIZE_LENGTH = 8;

/** Octet count of a VINT from its first octet (RFC 8794 §4.1): leading zeros + 1; 9 when the octet is 0. */
export function vintLength(firstByte: number): number {
  return Math.clz32(firstByte & 0xff) - 23;
}

/** One element header read from a buffer. `size` is UNKNOWN_SIZE for an unknown-size element. */
export interface EbmlHeader {
  id: number;
  /** Octets of the id + octets of the size field. */
  headerLength: number;
  sizeLength: number;
  size: number;
}

/**
 * Reads an element header at `offset`. Returns `undefined` when `buf` ends before the header does (the caller
 * decides whether that is "need more" or truncation) and throws MALFORMED_EBML for invalid ids and sizes.
 */
export function readElementHeader(buf: Uint8Array, offset: number, limit = buf.length): EbmlHeader | undefined {
  if (offset >= limit) return undefined;
  const b0 = buf[offset];
  const idLength = vintLength(b0);
  if (idLength > MAX_ID_LENGTH) {
    throw new MediaError('MALFORMED_EBML', `Element ID of ${idLength > 8 ? 'more than 8' : idLength} octets (max ${MAX_ID_LENGTH}, RFC 8794 §5)`, { offset });
  }
  if (offset + idLength >= limit) return undefined;
  let id = b0;
  for (let i = 1; i < idLength; i++) id = id * 256 + buf[offset + i];
  checkId(id, idLength, offset);
  const sizeOffset = offset + idLength;
  const s0 = buf[sizeOffset];
  const sizeLength = vintLength(s0);
  if (sizeLength > MAX_SIZE_LENGTH) {
    throw new MediaError('MALFORMED_EBML', 'Element Data Size of more than 8 octets (RFC 8794 §6.1)', { offset });
  }
  if (sizeOffset + sizeLength > limit) return undefined;
  const size = decodeSize(buf, sizeOffset, sizeLength, offset);
  return { id, headerLength: idLength + sizeLength, sizeLength, size };
}

/** RFC 8794 §5: VINT_DATA all zeros is invalid, all ones is reserved. */
export function checkId(id: number, idLength: number, offset: number): void {
  const dataBits = 7 * idLength;
  const data = id - 2 ** dataBits; // strip the marker
  if (data === 0 || data === 2 ** dataBits - 1) {
    throw new MediaError('MALFORMED_EBML', `Invalid Element ID 0x${id.toString(16)} (VINT_DATA all zeros or all ones, RFC 8794 §5)`, { offset });
  }
}

/** Decodes a Data Size of known length (RFC 8794 §6.1); all-ones VINT_DATA → UNKNOWN_SIZE (§6.2). */
export function decodeSize(buf: Uint8Array, sizeOffset: number, sizeLength: number, elementOffset: number): number {
  const markerMask = 0xff >> sizeLength; // bits of the first octet after the marker
  let value = buf[sizeOffset] & markerMask;
  let allOnes = value === markerMask;
  for (let i = 1; i < sizeLength; i++) {
    const b = buf[sizeOffset + i];
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  if (allOnes) return UNKNOWN_SIZE;
  if (value > Number.MAX_SAFE_INTEGER) {
    throw new MediaError('UNSUPPORTED_MKV', `Element Data Size ${value} beyond 2^53`, { offset: elementOffset });
  }
  return value;
}

/** Octet length of an id value (the marker tells it). */
export function idLength(id: number): number {
  if (!Number.isInteger(id) || id < 0x81 || id > 0x1ffffffe) {
    throw new MediaError('INVALID_ARGUMENT', `Not an EBML Element ID: ${id}`);
  }
  const len = id <= 0xff ? 1 : id <= 0xffff ? 2 : id <= 0xffffff ? 3 : 4;
  // The marker must sit where the length says (RFC 8794 §4.2): 0x80 for 1 octet, 0x4000 for 2, …
  const top = Math.floor(id / 256 ** (len - 1));
  if (vintLength(top) !== len) throw new MediaError('INVALID_ARGUMENT', `Element ID 0x${id.toString(16)} has its VINT_MARKER in the wrong place`);
  checkIdArgument(id, len);
  return len;
}

function checkIdArgument(id: number, len: number): void {
  try {
    checkId(id, len, 0);
  } catch {
    throw new MediaError('INVALID_ARGUMENT', `Element ID 0x${id.toString(16)} is invalid or reserved (RFC 8794 §5)`);
  }
}

/** Writes an id's octets at `offset`; returns the offset after it. */
export function writeId(out: Uint8Array, offset: number, id: number): number {
  const len = idLength(id);
  for (let i = len - 1; i >= 0; i--) {
    out[offset + i] = id & 0xff;
    id = Math.floor(id / 256);
  }
  return offset + len;
}

/** The id as its octets. */
export function encodeId(id: number): Uint8Array {
  const out = new Uint8Array(idLength(id));
  writeId(out, 0, id);
  return out;
}

/** Smallest size-field length that can hold `size` (all-ones is reserved for "unknown", §6.2). */
export function sizeLengthFor(size: number): number {
  for (let len = 1; len <= MAX_SIZE_LENGTH; len++) {
    if (size < 2 ** (7 * len) - 1) return len;
  }
  throw new MediaError('INVALID_ARGUMENT', `Size ${size} does not fit an 8-octet Element Data Size`);
}

/**
 * Writes a Data Size (RFC 8794 §6.1) at `offset` in `length` octets (default: the shortest); UNKNOWN_SIZE writes
 * the all-ones form of that length (§6.2). Returns the offset after it.
 */
export function writeSize(out: Uint8Array, offset: number, size: number, length?: number): number {
  if (size === UNKNOWN_SIZE) {
    const len = length ?? 1;
    checkLength(len);
    out[offset] = 0xff >> (len - 1);
    for (let i = 1; i < len; i++) out[offset + i] = 0xff;
    return offset + len;
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new MediaError('INVALID_ARGUMENT', `Invalid element size ${size}`);
  const len = length ?? sizeLengthFor(size);
  checkLength(len);
  if (size >= 2 ** (7 * len) - 1) throw new MediaError('INVALID_ARGUMENT', `Size ${size} does not fit ${len} octet(s)`);
  let v = size;
  for (let i = len - 1; i >= 1; i--) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[offset] = (0x80 >> (len - 1)) | v; // VINT_WIDTH zeros, VINT_MARKER, top VINT_DATA bits
  return offset + len;
}

function checkLength(len: number): void {
  if (!Number.isInteger(len) || len < 1 || len > MAX_SIZE_LENGTH) {
    throw new MediaError('INVALID_ARGUMENT', `Element Data Size length must be 1..8, got ${len}`);
  }
}

/** The size field's octets. */
export function encodeSize(size: number, length?: number): Uint8Array {
  const len = size === UNKNOWN_SIZE ? (length ?? 1) : (length ?? sizeLengthFor(size));
  const out = new Uint8Array(len);
  writeSize(out, 0, size, len);
  return out;
}

/**
 * Reads a plain VINT value (marker dropped) at `offset`, as used by Block track numbers and EBML lacing (RFC 9559
 * §10.1, §10.4). Returns [value, length] or undefined when the buffer ends first.
 */
export function readVintValue(buf: Uint8Array, offset: number, limit = buf.length): [number, number] | undefined {
  if (offset >= limit) return undefined;
  const len = vintLength(buf[offset]);
  if (len > MAX_SIZE_LENGTH) throw new MediaError('MALFORMED_EBML', 'VINT of more than 8 octets (RFC 8794 §4)', { offset });
  if (offset + len > limit) return undefined;
  let value = buf[offset] & (0xff >> len);
  for (let i = 1; i < len; i++) value = value * 256 + buf[offset + i];
  return [value, len];
}
