/**
 * Small edits on stored Matroska bytes, for the emulator and producers that keep elements as received:
 *   - a fragment's Cluster bytes from an MkvFragment (PutMedia body), in ABSOLUTE or RELATIVE timecodes;
 *   - a size field rewritten in place (same length, so nothing moves): Segment → unknown size for GetMedia
 *     (kvs-reference.md §4.5), an unknown-size Cluster → its known size.
 * Size fields follow RFC 8794 §6.1/§6.2.
 */
import { MediaError } from '../media-error';
import { UNKNOWN_SIZE, readElementHeader, writeSize } from '../ebml/ebml-vint';
import type { MkvFragment } from './fragmenter';
import { MkvId } from './matroska-ids';
import { writeCluster, type WriteClusterOptions } from './matroska-writer';

export interface WriteFragmentOptions extends WriteClusterOptions {
  /**
   * For `x-amzn-fragment-timecode-type: RELATIVE`: the producer start timestamp (ms) subtracted from every
   * timestamp, so the Cluster Timecode is an offset from it (kvs-reference.md §3.4 item 6). Omit for ABSOLUTE.
   */
  relativeToMs?: number;
}

/** The Cluster bytes of one fragment, as a PutMedia body carries it. */
export function writeFragment(fragment: MkvFragment, timecodeScaleNs: number, options: WriteFragmentOptions = {}): Uint8Array {
  const base = options.relativeToMs ?? 0;
  if (base === 0) return writeCluster(fragment, timecodeScaleNs, options);
  if (fragment.timestampMs < base) throw new MediaError('INVALID_ARGUMENT', `Fragment at ${fragment.timestampMs} ms precedes relativeToMs ${base}`);
  const frames = fragment.frames.map((f) => ({ ...f, timestampMs: f.timestampMs - base }));
  return writeCluster({ timestampMs: fragment.timestampMs - base, frames }, timecodeScaleNs, options);
}

/**
 * A copy of `element` (one whole element, header first) with its size field set to `size` or to the unknown
 * size, keeping the field's length. Throws INVALID_ARGUMENT when the value does not fit that length.
 */
export function withSizeField(element: Uint8Array, size: number | 'unknown'): Uint8Array {
  const h = readElementHeader(element, 0);
  if (h === undefined) throw new MediaError('INVALID_ARGUMENT', 'Not a whole element header');
  const out = element.slice();
  writeSize(out, h.headerLength - h.sizeLength, size === 'unknown' ? UNKNOWN_SIZE : size, h.sizeLength);
  return out;
}

/** An unknown-size element (e.g. a live Cluster) with its actual size written in, when the field is long enough. */
export function withKnownSize(element: Uint8Array): Uint8Array {
  const h = readElementHeader(element, 0);
  if (h === undefined) throw new MediaError('INVALID_ARGUMENT', 'Not a whole element header');
  return withSizeField(element, element.length - h.headerLength);
}

/**
 * Stream-header bytes (EBML header + Segment head + …, as a 'header' event carries them) with the Segment's size
 * set to unknown, as GetMedia serves every fragment (kvs-reference.md §4.3, §4.5). Returns the input when it
 * already is.
 */
export function withUnknownSegmentSize(headerBytes: Uint8Array): Uint8Array {
  const ebml = readElementHeader(headerBytes, 0);
  if (ebml === undefined || ebml.id !== MkvId.EBML || ebml.size === UNKNOWN_SIZE) throw new MediaError('INVALID_ARGUMENT', 'Header bytes must start with a known-size EBML header');
  const segAt = ebml.headerLength + ebml.size;
  const seg = readElementHeader(headerBytes, segAt);
  if (seg === undefined || seg.id !== MkvId.Segment) throw new MediaError('INVALID_ARGUMENT', 'No Segment after the EBML header');
  if (seg.size === UNKNOWN_SIZE) return headerBytes;
  const out = headerBytes.slice();
  writeSize(out, segAt + seg.headerLength - seg.sizeLength, UNKNOWN_SIZE, seg.sizeLength);
  return out;
}
