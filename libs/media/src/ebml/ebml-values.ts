/**
 * Decoders for EBML element data (RFC 8794 §7), each over the element's data octets (a `subarray` view):
 *   §7.1 Signed Integer   0..8 octets, big-endian two's complement, empty = 0
 *   §7.2 Unsigned Integer 0..8 octets, big-endian, empty = 0
 *   §7.3 Float            0 (= 0.0), 4 (binary32) or 8 (binary64) octets, big-endian
 *   §7.4 String           printable ASCII, may be padded with trailing 0x00 octets
 *   §7.5 UTF-8            UTF-8 text, may be padded with trailing 0x00 octets
 *   §7.6 Date             signed 8-octet ns since 2001-01-01T00:00:00 UTC
 * Numbers beyond Number.MAX_SAFE_INTEGER throw UNSUPPORTED_MKV; use readUintBig for ids such as TrackUID.
 */
import { MediaError } from '../media-error';

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

export function readUint(data: Uint8Array, offset?: number): number {
  if (data.length > 8) throw new MediaError('MALFORMED_EBML', `Unsigned integer of ${data.length} octets (RFC 8794 §7.2)`, { offset });
  let v = 0;
  for (let i = 0; i < data.length; i++) v = v * 256 + data[i];
  if (v > Number.MAX_SAFE_INTEGER) throw new MediaError('UNSUPPORTED_MKV', `Unsigned integer ${v} beyond 2^53`, { offset });
  return v;
}

export function readUintBig(data: Uint8Array, offset?: number): bigint {
  if (data.length > 8) throw new MediaError('MALFORMED_EBML', `Unsigned integer of ${data.length} octets (RFC 8794 §7.2)`, { offset });
  let v = 0n;
  for (let i = 0; i < data.length; i++) v = (v << 8n) | BigInt(data[i]);
  return v;
}

export function readInt(data: Uint8Array, offset?: number): number {
  if (data.length > 8) throw new MediaError('MALFORMED_EBML', `Signed integer of ${data.length} octets (RFC 8794 §7.1)`, { offset });
  if (data.length === 0) return 0;
  let v = data[0] >= 0x80 ? data[0] - 256 : data[0];
  for (let i = 1; i < data.length; i++) v = v * 256 + data[i];
  if (!Number.isSafeInteger(v)) throw new MediaError('UNSUPPORTED_MKV', `Signed integer ${v} beyond 2^53`, { offset });
  return v;
}

export function readFloat(data: Uint8Array, offset?: number): number {
  if (data.length === 0) return 0;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  if (data.length === 4) return view.getFloat32(0);
  if (data.length === 8) return view.getFloat64(0);
  throw new MediaError('MALFORMED_EBML', `Float of ${data.length} octets (RFC 8794 §7.3 allows 0, 4 or 8)`, { offset });
}

/** ASCII string; trailing NULs dropped (old KVS producers wrote `matroska\0`, kvs-reference.md §3.4). */
export function readString(data: Uint8Array): string {
  return latin1.decode(data.subarray(0, unpaddedLength(data)));
}

export function readUtf8(data: Uint8Array): string {
  return utf8.decode(data.subarray(0, unpaddedLength(data)));
}

/** Date: ms since the Unix epoch (RFC 8794 §7.6 counts ns from 2001-01-01). */
export function readDateMs(data: Uint8Array, offset?: number): number {
  if (data.length === 0) return EBML_EPOCH_MS;
  if (data.length !== 8) throw new MediaError('MALFORMED_EBML', `Date of ${data.length} octets (RFC 8794 §7.6)`, { offset });
  const view = new DataView(data.buffer, data.byteOffset, 8);
  return EBML_EPOCH_MS + Number(view.getBigInt64(0) / 1_000_000n);
}

/** 2001-01-01T00:00:00Z in ms since the Unix epoch. */
export const EBML_EPOCH_MS = Date.UTC(2001, 0, 1);

function unpaddedLength(data: Uint8Array): number {
  let n = data.length;
  while (n > 0 && data[n - 1] === 0) n--;
  return n;
}
