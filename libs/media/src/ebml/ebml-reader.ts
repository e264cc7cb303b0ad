/**
 * Walks the children of an element held whole in one buffer (what the streaming decoder's 'collect' policy
 * delivers). Used for Info, Tracks, Tags and Cluster bodies: a simple loop, no streaming state, every element's
 * data a `subarray` view of the buffer.
 */
import { MediaError } from '../media-error';
import { UNKNOWN_SIZE, readElementHeader } from './ebml-vint';

/** One child element: its id and data view, plus offsets in the walked buffer. */
export interface EbmlChild {
  id: number;
  /** Offset of the id's first octet in the buffer. */
  start: number;
  dataStart: number;
  end: number;
  data: Uint8Array;
  /** The element had an unknown size and was taken to run to the end of its parent (RFC 8794 §6.2). */
  unknownSize: boolean;
}

/**
 * Calls `visit` for each element in buf[from, to). A child of unknown size is taken to extend to `to` — exact for
 * the last (or only) unknown-size child, which is how live Matroska uses them; nested unknown-size elements deeper
 * than that are not split here. `baseOffset` is added to offsets in error messages (stream position of buf[0]).
 */
export function forEachChild(buf: Uint8Array, from: number, to: number, visit: (child: EbmlChild) => void, baseOffset = 0): void {
  let p = from;
  while (p < to) {
    const h = readElementHeader(buf, p, to);
    if (h === undefined) throw new MediaError('MALFORMED_EBML', 'Element header runs past the end of its parent', { offset: baseOffset + p });
    const dataStart = p + h.headerLength;
    const unknownSize = h.size === UNKNOWN_SIZE;
    const end = unknownSize ? to : dataStart + h.size;
    if (end > to) throw new MediaError('MALFORMED_EBML', `Element 0x${h.id.toString(16)} overruns its parent`, { offset: baseOffset + p });
    visit({ id: h.id, start: p, dataStart, end, data: buf.subarray(dataStart, end), unknownSize });
    p = end;
  }
}

/** The header of the element at buf[0] and its data range (whole-buffer form of readElementHeader). */
export function readElement(buf: Uint8Array, baseOffset = 0): EbmlChild {
  const h = readElementHeader(buf, 0);
  if (h === undefined) throw new MediaError('MALFORMED_EBML', 'Truncated element header', { offset: baseOffset });
  const dataStart = h.headerLength;
  const unknownSize = h.size === UNKNOWN_SIZE;
  const end = unknownSize ? buf.length : dataStart + h.size;
  if (end > buf.length) throw new MediaError('MALFORMED_EBML', `Element 0x${h.id.toString(16)} runs past the buffer`, { offset: baseOffset });
  return { id: h.id, start: 0, dataStart, end, data: buf.subarray(dataStart, end), unknownSize };
}
