/**
 * CBOR as the Java SDKs write and read it, for tests (pure): what Jackson's CBORGenerator writes under the SDKs'
 * SdkCborGenerator (aws-sdk-java aws-java-sdk-core/.../protocol/json/SdkCborGenerator.java, aws-sdk-java-v2
 * core/protocols/aws-cbor-protocol/.../SdkCborGenerator.java):
 *
 * - maps and arrays of unknown length (`writeStartObject()` / `writeStartArray()`: 0xbf … 0xff, 0x9f … 0xff);
 * - text keys and strings (Jackson's length forms), the smallest integer encoding that holds an int, a double as
 *   float64;
 * - blobs (ByteBuffer / SdkBytes) as byte strings;
 * - timestamps as tag 1 over epoch MILLISECONDS (`writeTag(1); writeNumber(millis)`), a long: 0x1b + 8 bytes.
 *
 * Answers are read as Jackson's CBORParser feeds the Java unmarshallers: a number under tag 1 is epoch milliseconds.
 */
import * as cbor from 'cbor';

export const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

/** A java.util.Date / java.time.Instant member, in epoch milliseconds. */
export class JavaTimestamp {
  constructor(readonly millis: number) {}
}

export type JavaValue = string | number | boolean | Uint8Array | JavaTimestamp | JavaValue[] | { [key: string]: JavaValue | undefined };

/** A scalar in its shortest form (node-cbor's default, as Jackson writes ints, strings, bytes and booleans). */
// highWaterMark: encodeOne returns only what fits its stream buffer (a stream option the typings leave out).
const SCALAR_OPTIONS = { highWaterMark: 16 * 1024 * 1024 } as unknown as Parameters<typeof cbor.encodeOne>[1];
const scalars = { encode: (v: unknown): Buffer => cbor.encodeOne(v, SCALAR_OPTIONS) };
const BREAK = Buffer.from([0xff]);

function long(millis: number): Buffer {
  // Jackson writes a long that fits in an int as an int, any other as a 64-bit integer.
  if (millis >= -0x80000000 && millis <= 0x7fffffff) return scalars.encode(millis);
  const out = Buffer.alloc(9);
  out[0] = millis < 0 ? 0x3b : 0x1b;
  out.writeBigUInt64BE(millis < 0 ? BigInt(-1 - millis) : BigInt(millis), 1);
  return out;
}

/**
 * A text string as Jackson writes it: the length in the initial byte below 23 bytes, from 23 bytes on in the
 * following byte(s) (so 23 is 0x78 0x17, not 0x77: seen from Debian's jackson-dataformat-cbor 2.7.8 through
 * jackson-cbor.ts; either form is valid CBOR).
 */
function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length === 23 ? Buffer.concat([Buffer.from([0x78, 23]), bytes]) : scalars.encode(value);
}

function write(value: JavaValue, out: Buffer[]): void {
  if (value instanceof JavaTimestamp) {
    out.push(Buffer.from([0xc1]), long(value.millis));
  } else if (value instanceof Uint8Array) {
    out.push(scalars.encode(Buffer.from(value.buffer, value.byteOffset, value.byteLength)));
  } else if (Array.isArray(value)) {
    out.push(Buffer.from([0x9f]));
    for (const item of value) write(item, out);
    out.push(BREAK);
  } else if (typeof value === 'object') {
    out.push(Buffer.from([0xbf]));
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue; // the SDKs skip unset members
      out.push(text(key));
      write(member, out);
    }
    out.push(BREAK);
  } else if (typeof value === 'number' && !Number.isInteger(value)) {
    const f = Buffer.alloc(9);
    f[0] = 0xfb;
    f.writeDoubleBE(value, 1);
    out.push(f);
  } else if (typeof value === 'string') {
    out.push(text(value));
  } else {
    out.push(scalars.encode(value));
  }
}

/** A request body as the Java SDKs encode it. */
export function javaCborEncode(value: JavaValue): Buffer {
  const out: Buffer[] = [];
  write(value, out);
  return Buffer.concat(out);
}

const READ_OPTIONS = { tags: { 1: (v: unknown): JavaTimestamp => new JavaTimestamp(Number(v)) } };

/**
 * An answer read as Jackson's CBORParser feeds the Java unmarshallers: byte strings stay bytes, and a number under
 * tag 1 is taken as epoch milliseconds (a JavaTimestamp).
 */
export function javaCborDecode(bytes: Uint8Array): unknown {
  return bytes.length === 0 ? undefined : fromCbor(cbor.decodeFirstSync(bytes, READ_OPTIONS));
}

function fromCbor(v: unknown): unknown {
  if (v instanceof JavaTimestamp) return v;
  if (v instanceof Uint8Array || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromCbor);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCbor(x)]));
}
