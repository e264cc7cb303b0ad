/**
 * Incremental parser of the PutMedia acknowledgement stream (kvs-reference.md §3.7). Pure: bytes in, items out.
 *
 * Layout: a sequence of JSON objects on the response body, one per line in every capture
 *
 *   {"EventType":"PERSISTED","FragmentTimecode":252467,"FragmentNumber":"1234…017"}\n
 *   {"EventType":"ERROR","FragmentTimecode":160,"FragmentNumber":"9134…709","ErrorCode":"INVALID_MKV_DATA","ErrorId":4006}\n
 *
 * but reads do not follow objects: intermediaries batch several acks into one read or split one across reads,
 * so objects are found by brace depth (as PIC's AckParser does), with JSON strings and escapes skipped, never by
 * reads or lines. Anything between objects (newlines, `\r`, commas, spaces, stray bytes) is ignored. Nested
 * objects are tolerated (the Coral error envelope `{"Output":{"__type":"…#SerializationException"}}` that a bad
 * PutMedia has produced, aws-sdk-js #2093, comes out as a `service-error` item).
 *
 * Leniency, where §3.7 is [unconfirmed] or producers disagree: IDLE may lack FragmentTimecode/FragmentNumber;
 * EventType is matched case-insensitively; ErrorId may be a numeric string; a missing ErrorId or ErrorCode is
 * filled from the error table; a FragmentNumber sent as a bare JSON number keeps its exact digits (read from
 * the text: 47-digit numbers do not survive JSON.parse). An object longer than `maxAckBytes` (PIC handles 1024
 * characters) is reported as malformed and skipped, so a peer that never closes a brace cannot grow memory.
 */
import { lookupAckError } from '../kvs-errors';

export type AckEventType = 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';

export const ACK_EVENT_TYPES: readonly AckEventType[] = ['BUFFERING', 'RECEIVED', 'PERSISTED', 'ERROR', 'IDLE'];

export interface FragmentAck {
  eventType: AckEventType;
  /** The Cluster Timecode as the producer sent it (TimecodeScale units: ms with the default scale). */
  fragmentTimecode?: number;
  /** KVS's fragment number: a decimal string, opaque, compare as BigInt. */
  fragmentNumber?: string;
  /** ERROR only. */
  errorId?: number;
  errorCode?: string;
}

export type AckStreamItem =
  | { kind: 'ack'; ack: FragmentAck }
  /** A JSON object that is an AWS error body instead of an ack (`__type` / Coral `Output.__type`). */
  | { kind: 'service-error'; errorType: string; message?: string; raw: string }
  /** Bytes that are not a usable ack: bad JSON, an unknown EventType, an overlong object. Skipped. */
  | { kind: 'malformed'; reason: string; raw: string };

export interface AckParserOptions {
  /** Largest object accepted, in bytes (default 4096: PIC's limit is 1024 characters; headroom for unknown keys). */
  maxAckBytes?: number;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const NEWLINE = 0x0a; // \n

/** How much of a malformed object is kept in its item, for logs. */
const RAW_PREVIEW_CHARS = 200;

export class AckParser {
  private readonly maxAckBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  /** Pieces of the object being read (views into the pushed chunks; copied only when an object spans reads). */
  private pieces: Uint8Array[] = [];
  private pieceBytes = 0;
  /** 0: between objects; >0: inside an object at this depth. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside an overlong object: bytes are dropped until its depth returns to 0 or a line ends. */
  private skipping = false;

  constructor(options: AckParserOptions = {}) {
    this.maxAckBytes = options.maxAckBytes ?? 4096;
  }

  /** Feeds bytes; returns the items completed by them, in order. */
  push(chunk: Uint8Array): AckStreamItem[] {
    const items: AckStreamItem[] = [];
    let start = this.depth > 0 && !this.skipping ? 0 : -1; // where the current object's bytes begin in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.depth === 0) {
        if (byte === OPEN) {
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
          start = i;
        }
        continue; // whitespace, separators and stray bytes between objects
      }
      if (this.skipping && byte === NEWLINE) {
        // After an overlong object, a line end resynchronises (the service writes one ack per line).
        this.resync();
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        else if (byte === NEWLINE) {
          // JSON strings cannot hold a raw line feed: this was not an ack. Start again after it.
          items.push(this.malformed('line break inside a JSON string', chunk.subarray(start, i)));
          this.resync();
          start = -1;
          continue;
        }
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN) {
        this.depth++;
      } else if (byte === CLOSE) {
        this.depth--;
        if (this.depth === 0) {
          if (!this.skipping) items.push(interpretAck(this.text(chunk.subarray(start, i + 1))));
          this.resync();
          start = -1;
          continue;
        }
      }
      if (!this.skipping && this.pieceBytes + (i + 1 - start) > this.maxAckBytes) {
        items.push(this.malformed(`acknowledgement longer than ${this.maxAckBytes} bytes`, chunk.subarray(start, i + 1)));
        this.pieces = [];
        this.pieceBytes = 0;
        this.skipping = true;
        start = -1;
      }
    }
    if (this.depth > 0 && !this.skipping && start >= 0) {
      // The object continues in the next read: keep a copy (the caller may reuse its buffer).
      const tail = chunk.subarray(start);
      this.pieces.push(tail.slice());
      this.pieceBytes += tail.length;
    }
    return items;
  }

  /** The stream ended: an object cut short is reported as malformed. */
  end(): AckStreamItem[] {
    if (this.depth === 0 || this.skipping) {
      this.resync();
      return [];
    }
    const raw = this.text(new Uint8Array(0));
    this.resync();
    return [{ kind: 'malformed', reason: 'stream ended inside an acknowledgement', raw: raw.slice(0, RAW_PREVIEW_CHARS) }];
  }

  /** Bytes held for an unfinished object. */
  get bufferedBytes(): number {
    return this.pieceBytes;
  }

  /** Back to "between objects", dropping what was held. */
  private resync(): void {
    this.pieces = [];
    this.pieceBytes = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.skipping = false;
  }

  private malformed(reason: string, last: Uint8Array): AckStreamItem {
    const raw = this.text(last);
    return { kind: 'malformed', reason, raw: raw.slice(0, RAW_PREVIEW_CHARS) };
  }

  private text(last: Uint8Array): string {
    if (this.pieces.length === 0) return this.decoder.decode(last);
    const all = new Uint8Array(this.pieceBytes + last.length);
    let offset = 0;
    for (const piece of this.pieces) {
      all.set(piece, offset);
      offset += piece.length;
    }
    all.set(last, offset);
    return this.decoder.decode(all);
  }
}

/** One complete JSON object's text → an item. Exported for tests and for callers holding whole lines. */
export function interpretAck(raw: string): AckStreamItem {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { kind: 'malformed', reason: 'not JSON', raw: raw.slice(0, RAW_PREVIEW_CHARS) };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'malformed', reason: 'not a JSON object', raw: raw.slice(0, RAW_PREVIEW_CHARS) };
  }
  const obj = value as Record<string, unknown>;
  const eventType = obj['EventType'];
  if (typeof eventType !== 'string') {
    const errorType = serviceErrorType(obj);
    if (errorType !== undefined) {
      const inner = isRecord(obj['Output']) ? obj['Output'] : obj;
      const message = typeof inner['Message'] === 'string' ? inner['Message'] : typeof inner['message'] === 'string' ? inner['message'] : undefined;
      return { kind: 'service-error', errorType, ...(message !== undefined ? { message } : {}), raw };
    }
    return { kind: 'malformed', reason: 'no EventType', raw: raw.slice(0, RAW_PREVIEW_CHARS) };
  }
  const upper = eventType.toUpperCase();
  const type = ACK_EVENT_TYPES.find((t) => t === upper);
  if (!type) return { kind: 'malformed', reason: `unknown EventType ${JSON.stringify(eventType)}`, raw: raw.slice(0, RAW_PREVIEW_CHARS) };

  const ack: FragmentAck = { eventType: type };
  const timecode = toNumber(obj['FragmentTimecode']);
  if (timecode !== undefined) ack.fragmentTimecode = timecode;
  const fragmentNumber = obj['FragmentNumber'];
  if (typeof fragmentNumber === 'string' && fragmentNumber.length > 0) ack.fragmentNumber = fragmentNumber;
  else if (typeof fragmentNumber === 'number') ack.fragmentNumber = /"FragmentNumber"\s*:\s*(\d+)/.exec(raw)?.[1] ?? String(fragmentNumber);
  if (type === 'ERROR') {
    const errorId = toNumber(obj['ErrorId']);
    const errorCode = typeof obj['ErrorCode'] === 'string' && obj['ErrorCode'].length > 0 ? obj['ErrorCode'] : undefined;
    const info = lookupAckError(errorId, errorCode);
    ack.errorId = errorId ?? info.errorId;
    ack.errorCode = errorCode ?? info.errorCode;
  }
  return { kind: 'ack', ack };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function serviceErrorType(obj: Record<string, unknown>): string | undefined {
  const pick = (o: Record<string, unknown>): string | undefined =>
    typeof o['__type'] === 'string' ? o['__type'] : typeof o['code'] === 'string' ? o['code'] : typeof o['Code'] === 'string' ? o['Code'] : undefined;
  const name = pick(obj) ?? (isRecord(obj['Output']) ? pick(obj['Output']) : undefined);
  if (name === undefined) return undefined;
  const hash = name.lastIndexOf('#');
  return hash >= 0 ? name.slice(hash + 1) : name;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}
