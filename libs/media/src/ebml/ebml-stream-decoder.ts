/**
 * Incremental EBML decoder (RFC 8794). Bytes go in with `push()` in chunks of any size; `next()` then returns one
 * of three outcomes (conventions.md §5):
 *
 *   - an `EbmlEvent` (a master opened or closed, a leaf with its data, or a whole collected element),
 *   - `NEED_MORE` — the bytes so far are fine, the next event needs more of them,
 *   - or it throws a `MediaError` (MALFORMED_EBML, UNSUPPORTED_MKV; TRUNCATED after `end()`).
 *
 * After `end()` (no more input), `next()` closes what the end of the stream closes — unknown-size masters end
 * with the stream (RFC 8794 §6.2) — and then returns `END_OF_STREAM`; a stream cut inside an element throws
 * TRUNCATED.
 *
 * Element header layout read here: Element ID (VINT with marker, 1..4 octets, §5) then Element Data Size (VINT,
 * 1..8 octets, §6.1); all-ones size = unknown (§6.2), allowed on masters only. An unknown-size master ends where
 * an element that cannot descend from it starts (§6.2), which is why the decoder takes an `EbmlSchema`.
 *
 * Per element, a `policy` decides how it is delivered (default 'emit'):
 *   - 'emit':    masters produce 'start'/'end' events around their children; leaves produce 'leaf' with data.
 *   - 'collect': the element is delivered whole as one 'element' event with its bytes as received (a view of
 *                the pushed chunk when it sits in one, else one copy). For an unknown-size master the decoder
 *                still walks the children's headers to find where it ends; known-size ones are jumped over.
 *   - 'skip':    nothing is delivered and nothing is buffered for it (a Cues element streams through).
 *
 * Memory: chunks are held from the oldest offset still needed (a leaf or collected element in progress, or a
 * range the caller pinned with `retainFrom`) and dropped on the next push. Bytes of an event stay valid after it.
 */
import { MediaError } from '../media-error';
import { ByteQueue } from './byte-queue';
import type { EbmlSchema, EbmlElementSpec } from './ebml-schema';
import { MAX_ID_LENGTH, MAX_SIZE_LENGTH, UNKNOWN_SIZE, checkId, vintLength } from './ebml-vint';

export const NEED_MORE: unique symbol = Symbol('NEED_MORE');
export const END_OF_STREAM: unique symbol = Symbol('END_OF_STREAM');
export type NeedMore = typeof NEED_MORE;
export type EndOfStream = typeof END_OF_STREAM;

export type EbmlPolicy = 'emit' | 'collect' | 'skip';

interface EventBase {
  id: number;
  /** Absolute stream offset of the element's first id octet. */
  start: number;
  /** Absolute offset of the first data octet (after the size field). */
  dataStart: number;
  /** Nesting depth: 0 for top-level elements. */
  depth: number;
  /** The schema entry, when the id is known. */
  spec: EbmlElementSpec | undefined;
}

export type EbmlEvent =
  | (EventBase & { kind: 'start'; /** UNKNOWN_SIZE (-1) for unknown-size masters */ size: number })
  | (EventBase & { kind: 'end'; /** offset just past the element */ end: number })
  | (EventBase & { kind: 'leaf'; data: Uint8Array })
  | (EventBase & { kind: 'element'; end: number; unknownSize: boolean; /** the whole element, header included */ bytes: Uint8Array });

export interface EbmlStreamDecoderOptions {
  /** How an element met in 'emit' mode is delivered (default: 'emit' for everything). */
  policy?: (id: number, depth: number, spec: EbmlElementSpec | undefined) => EbmlPolicy;
  /**
   * Largest leaf or collected element buffered, in bytes (default 256 MiB). A larger one throws UNSUPPORTED_MKV
   * instead of growing memory without bound on garbage input.
   */
  maxElementBytes?: number;
}

type Mode = 'emit' | 'collect' | 'skip';

interface OpenMaster {
  id: number;
  spec: EbmlElementSpec | undefined;
  start: number;
  dataStart: number;
  /** Absolute end, or UNKNOWN_SIZE. */
  end: number;
  /** Where this element must end at the latest: its own end, else the nearest known-size ancestor's (or ∞). */
  limit: number;
  depth: number;
  mode: Mode;
  /** The outermost collected/skipped element (its close is delivered, or swallowed for 'skip'). */
  root: boolean;
}

interface PendingLeaf {
  id: number;
  spec: EbmlElementSpec | undefined;
  start: number;
  dataStart: number;
  end: number;
  depth: number;
}

const DEFAULT_MAX_ELEMENT_BYTES = 256 * 1024 * 1024;

export class EbmlStreamDecoder {
  private readonly queue = new ByteQueue();
  private readonly stack: OpenMaster[] = [];
  private readonly policy: NonNullable<EbmlStreamDecoderOptions['policy']>;
  private readonly maxElementBytes: number;
  /** Absolute offset of the next unread byte. */
  private pos = 0;
  /** Body being jumped over: pos advances to here as bytes arrive (-1: none). */
  private skipTo = -1;
  private pendingLeaf: PendingLeaf | undefined;
  /** Start of the collected element in progress (-1: none). */
  private collectStart = -1;
  /** Caller-pinned offset (-1: none). */
  private retained = -1;
  private ended = false;
  // Header scratch (no allocation per element).
  private hId = 0;
  private hIdLength = 0;
  private hSizeLength = 0;
  private hSize = 0;

  constructor(
    private readonly schema: EbmlSchema,
    options: EbmlStreamDecoderOptions = {},
  ) {
    this.policy = options.policy ?? (() => 'emit');
    this.maxElementBytes = options.maxElementBytes ?? DEFAULT_MAX_ELEMENT_BYTES;
  }

  /** Absolute offset of the next byte the decoder will read. */
  get position(): number {
    return this.pos;
  }

  /** Bytes pushed so far. */
  get bytesReceived(): number {
    return this.queue.end;
  }

  /** Depth of the innermost open master (0 when none is open). */
  get depth(): number {
    return this.stack.length;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new MediaError('INVALID_ARGUMENT', 'push() after end()');
    this.queue.discardBefore(this.lowWaterMark());
    this.queue.push(chunk);
    // A pinned range (e.g. a stream header still waiting for its Tracks) is bounded like a collected element.
    if (this.retained >= 0 && this.queue.end - this.retained > this.maxElementBytes) {
      throw new MediaError('UNSUPPORTED_MKV', `More than ${this.maxElementBytes} bytes retained from offset ${this.retained}`, { offset: this.retained });
    }
  }

  /** No more input: `next()` now drains, then returns END_OF_STREAM or throws TRUNCATED. */
  end(): void {
    this.ended = true;
  }

  /** Keep bytes from `offset` (>= the oldest byte held) until `release()`, so `bytes()` can return them. */
  retainFrom(offset: number): void {
    if (offset < this.queue.begin) throw new MediaError('INVALID_ARGUMENT', `Offset ${offset} is no longer held`);
    this.retained = offset;
  }

  release(): void {
    this.retained = -1;
  }

  /** Bytes [from, to) of the stream; valid while retained, or until the next push() for bytes already read. */
  bytes(from: number, to: number): Uint8Array {
    if (from < this.queue.begin || to > this.queue.end) throw new MediaError('INVALID_ARGUMENT', `Range ${from}..${to} is not held`);
    return this.queue.slice(from, to);
  }

  next(): EbmlEvent | NeedMore | EndOfStream {
    for (;;) {
      const leaf = this.pendingLeaf;
      if (leaf !== undefined) {
        if (this.queue.end < leaf.end) return this.starved(leaf.start);
        this.pendingLeaf = undefined;
        this.pos = leaf.end;
        return { kind: 'leaf', id: leaf.id, spec: leaf.spec, start: leaf.start, dataStart: leaf.dataStart, depth: leaf.depth, data: this.queue.slice(leaf.dataStart, leaf.end) };
      }
      if (this.skipTo >= 0) {
        if (this.queue.end < this.skipTo) {
          this.pos = this.queue.end;
          return this.starved(this.pos);
        }
        this.pos = this.skipTo;
        this.skipTo = -1;
      }
      const top = this.stack.length > 0 ? this.stack[this.stack.length - 1] : undefined;
      // A known-size master ends where its size says (RFC 8794 §6.1); an unknown-size one at the latest where its
      // nearest known-size ancestor does (§6.2).
      if (top !== undefined && this.pos >= top.limit) {
        const ev = this.close(top.limit);
        if (ev !== undefined) return ev;
        continue;
      }
      // Each step below returns an event to deliver, or undefined to read on.
      const out = this.readHeader() === NEED_MORE ? this.headerStarved(top) : this.enter(top);
      if (out !== undefined) return out;
    }
  }

  /** No whole header at `pos`: wait for bytes, or, once the input ended, close what the end of the stream closes. */
  private headerStarved(top: OpenMaster | undefined): EbmlEvent | NeedMore | EndOfStream | undefined {
    if (!this.ended) return NEED_MORE;
    if (this.queue.end > this.pos) throw new MediaError('TRUNCATED', 'Stream ended inside an element header', { offset: this.pos });
    if (top === undefined) return END_OF_STREAM;
    if (top.end !== UNKNOWN_SIZE) throw new MediaError('TRUNCATED', `Stream ended inside element 0x${top.id.toString(16)}`, { offset: top.start });
    // Unknown-size masters end with the stream (RFC 8794 §6.2).
    return this.close(this.pos);
  }

  /** The element whose header was just read at `pos`: checked, then opened, skipped, collected or delivered. */
  private enter(top: OpenMaster | undefined): EbmlEvent | undefined {
    const id = this.hId;
    const start = this.pos;
    const spec = this.schema.get(id);
    if (top === undefined) {
      if (!this.schema.mayBeTopLevel(id)) {
        throw new MediaError('MALFORMED_EBML', `Element 0x${id.toString(16)} cannot be a top-level element`, { offset: start });
      }
    } else if (top.end === UNKNOWN_SIZE && !this.schema.mayDescendFrom(id, top.id)) {
      // The element that ends an unknown-size master belongs to an ancestor (RFC 8794 §6.2): close, re-read.
      return this.close(start);
    }
    const dataStart = start + this.hIdLength + this.hSizeLength;
    const size = this.hSize;
    const isMaster = spec?.type === 'master';
    const end = size === UNKNOWN_SIZE ? UNKNOWN_SIZE : dataStart + size;
    this.checkElement(id, spec, start, size, end, isMaster, top);
    const limit = end !== UNKNOWN_SIZE ? end : top !== undefined ? top.limit : Infinity;
    const depth = this.stack.length;
    this.pos = dataStart;
    if (top !== undefined && top.mode !== 'emit') {
      // Inside a collected or skipped element: only unknown-size children need walking.
      if (end === UNKNOWN_SIZE) this.stack.push({ id, spec, start, dataStart, end, limit, depth, mode: top.mode, root: false });
      else this.skipTo = end;
      return undefined;
    }
    const policy = this.policy(id, depth, spec);
    if (isMaster) return this.openMaster({ id, spec, start, dataStart, end, limit, depth, mode: policy, root: policy !== 'emit' }, size);
    this.takeLeaf({ id, spec, start, dataStart, end, depth }, size, limit, policy);
    return undefined;
  }

  /** Throws on what no valid stream has: unknown size on a leaf, a child overrunning its parent, absurd sizes. */
  private checkElement(id: number, spec: EbmlElementSpec | undefined, start: number, size: number, end: number, isMaster: boolean, top: OpenMaster | undefined): void {
    if (size === UNKNOWN_SIZE && !isMaster) {
      throw new MediaError(
        spec === undefined ? 'UNSUPPORTED_MKV' : 'MALFORMED_EBML',
        `Unknown size on ${spec === undefined ? 'an unknown' : 'a non-master'} element 0x${id.toString(16)} (RFC 8794 §6.2 allows it on masters only)`,
        { offset: start },
      );
    }
    if (top !== undefined && end !== UNKNOWN_SIZE && end > top.limit) {
      throw new MediaError('MALFORMED_EBML', `Element 0x${id.toString(16)} overruns its parent 0x${top.id.toString(16)}`, { offset: start });
    }
    if (spec !== undefined && !isMaster) checkLeafSize(spec, size, start);
    if (spec === undefined && size > this.maxElementBytes) {
      // Not a schema element and implausibly large: far more likely garbage than a real extension element.
      throw new MediaError('MALFORMED_EBML', `Unknown element 0x${id.toString(16)} of ${size} bytes`, { offset: start });
    }
  }

  /** A master under the 'emit' policy: its start event; otherwise opened as a skipped or collected root. */
  private openMaster(master: OpenMaster, size: number): EbmlEvent | undefined {
    const { id, spec, start, dataStart, end, depth } = master;
    if (master.mode === 'emit') {
      this.stack.push(master);
      return { kind: 'start', id, spec, start, dataStart, depth, size };
    }
    if (master.mode === 'skip' && end !== UNKNOWN_SIZE) {
      this.skipTo = end;
      return undefined;
    }
    if (master.mode === 'collect') {
      if (end !== UNKNOWN_SIZE) this.checkBufferable(end - start, id, start);
      this.collectStart = start;
    }
    this.stack.push(master);
    // Known size: the children need no walking, jump to the end.
    if (end !== UNKNOWN_SIZE) this.skipTo = end;
    return undefined;
  }

  /** A leaf: skipped, collected (one 'element' event with its header, like a collected master) or delivered next. */
  private takeLeaf(leaf: PendingLeaf, size: number, limit: number, policy: EbmlPolicy): void {
    if (policy === 'skip') {
      this.skipTo = leaf.end;
      return;
    }
    this.checkBufferable(size, leaf.id, leaf.start);
    if (policy === 'collect') {
      this.stack.push({ ...leaf, limit, mode: 'collect', root: true });
      this.collectStart = leaf.start;
      this.skipTo = leaf.end;
      return;
    }
    this.pendingLeaf = leaf;
  }

  /** Pops the innermost master, ending at `end`; returns its event, or undefined when it has none. */
  private close(end: number): EbmlEvent | undefined {
    const m = this.stack.pop();
    if (m === undefined) return undefined;
    if (m.mode === 'emit') {
      return { kind: 'end', id: m.id, spec: m.spec, start: m.start, dataStart: m.dataStart, depth: m.depth, end };
    }
    if (!m.root || m.mode === 'skip') return undefined;
    this.collectStart = -1;
    if (end - m.start > this.maxElementBytes) this.checkBufferable(end - m.start, m.id, m.start);
    return {
      kind: 'element',
      id: m.id,
      spec: m.spec,
      start: m.start,
      dataStart: m.dataStart,
      depth: m.depth,
      end,
      unknownSize: m.end === UNKNOWN_SIZE,
      bytes: this.queue.slice(m.start, end),
    };
  }

  private starved(offset: number): NeedMore {
    if (this.ended) throw new MediaError('TRUNCATED', 'Stream ended inside an element', { offset });
    // An unknown-size collected element grows as it goes: bound it here.
    if (this.collectStart >= 0 && this.queue.end - this.collectStart > this.maxElementBytes) {
      this.checkBufferable(this.queue.end - this.collectStart, this.stack[0]?.id ?? 0, this.collectStart);
    }
    return NEED_MORE;
  }

  private checkBufferable(bytes: number, id: number, offset: number): void {
    if (bytes > this.maxElementBytes) {
      throw new MediaError('UNSUPPORTED_MKV', `Element 0x${id.toString(16)} of ${bytes} bytes exceeds maxElementBytes (${this.maxElementBytes})`, { offset });
    }
  }

  /** Lowest offset whose bytes are still needed. */
  private lowWaterMark(): number {
    let low = this.pos;
    if (this.pendingLeaf !== undefined && this.pendingLeaf.start < low) low = this.pendingLeaf.start;
    if (this.collectStart >= 0 && this.collectStart < low) low = this.collectStart;
    if (this.retained >= 0 && this.retained < low) low = this.retained;
    return low;
  }

  /** Reads the header at `pos` into the scratch fields without consuming it. */
  private readHeader(): NeedMore | true {
    const q = this.queue;
    const pos = this.pos;
    const avail = q.end - pos;
    if (avail < 2) {
      if (avail === 1) this.checkFirstIdByte(q.byteAt(pos), pos);
      return NEED_MORE;
    }
    const b0 = q.byteAt(pos);
    const idLength = this.checkFirstIdByte(b0, pos);
    if (avail < idLength + 1) return NEED_MORE;
    let id = b0;
    for (let i = 1; i < idLength; i++) id = id * 256 + q.byteAt(pos + i);
    checkId(id, idLength, pos);
    const s0 = q.byteAt(pos + idLength);
    const sizeLength = vintLength(s0);
    if (sizeLength > MAX_SIZE_LENGTH) throw new MediaError('MALFORMED_EBML', 'Element Data Size of more than 8 octets (RFC 8794 §6.1)', { offset: pos });
    if (avail < idLength + sizeLength) return NEED_MORE;
    const mask = 0xff >> sizeLength;
    let size = s0 & mask;
    let allOnes = size === mask;
    for (let i = 1; i < sizeLength; i++) {
      const b = q.byteAt(pos + idLength + i);
      if (b !== 0xff) allOnes = false;
      size = size * 256 + b;
    }
    if (allOnes) size = UNKNOWN_SIZE;
    else if (size > Number.MAX_SAFE_INTEGER) throw new MediaError('UNSUPPORTED_MKV', `Element Data Size ${size} beyond 2^53`, { offset: pos });
    this.hId = id;
    this.hIdLength = idLength;
    this.hSizeLength = sizeLength;
    this.hSize = size;
    return true;
  }

  private checkFirstIdByte(b0: number, pos: number): number {
    const idLength = vintLength(b0);
    if (idLength > MAX_ID_LENGTH) {
      throw new MediaError('MALFORMED_EBML', `Element ID of ${idLength > 8 ? 'more than 8' : idLength} octets (EBMLMaxIDLength ${MAX_ID_LENGTH}, RFC 8794 §5)`, { offset: pos });
    }
    return idLength;
  }
}

/** RFC 8794 §7: integers are 0..8 octets, floats 0, 4 or 8, dates 0 or 8. */
function checkLeafSize(spec: EbmlElementSpec, size: number, offset: number): void {
  const bad =
    ((spec.type === 'uint' || spec.type === 'int') && size > 8) ||
    (spec.type === 'float' && size !== 0 && size !== 4 && size !== 8) ||
    (spec.type === 'date' && size !== 0 && size !== 8);
  if (bad) throw new MediaError('MALFORMED_EBML', `${spec.name}: ${size} octets is not a valid ${spec.type} size (RFC 8794 §7)`, { offset });
}
