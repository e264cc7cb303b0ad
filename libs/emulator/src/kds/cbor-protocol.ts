/**
 * Kinesis over CBOR (`Content-Type: application/x-amz-cbor-1.1`), what the Java SDKs v1 and v2 (and so the KCL and
 * the KPL) speak to Kinesis unless CBOR is turned off. The same JSON-1.1 RPC (X-Amz-Target, `__type` errors),
 * with two differences on the wire (the rest maps one to one):
 *
 * - blobs are CBOR byte strings (major type 2), not base64 text;
 * - timestamps are epoch MILLISECONDS, as an integer under tag 1 (RFC 8949 §3.4.2 says seconds; AWS's CBOR does
 *   not). Java writes them so: aws-sdk-java aws-java-sdk-core/.../protocol/json/SdkCborGenerator.java
 *   (`writeTag(1); writeNumber(date.getTime())`), aws-sdk-java-v2 core/protocols/aws-cbor-protocol/.../
 *   SdkCborGenerator.java (`writeTag(CBOR_TAG_TIMESTAMP); writeNumber(instant.toEpochMilli())`), and
 *   AwsCborProtocolFactory makes UNIX_TIMESTAMP_MILLIS the payload format. Java reads the number back as a long
 *   (v1 `getLongValue()`, v2 `Long.parseLong` of the text: aws-sdk-java-v2 issue #184, "the CBOR representation
 *   lacks the decimal point"), so answers carry integers, never floats.
 *
 * Pure: bytes in, the JS value the JSON path hands to the validator out (blobs as base64, timestamps as epoch
 * seconds), and the reverse for answers, errors and event payloads.
 *
 * The codec is `cbor` (node-cbor): CommonJS, no native part. cbor-x is about ten times faster, but its optional
 * native accelerator's platform packages are not on the registry these machines install from, so a lock file
 * with it fails `npm ci`. CBOR is the Java clients' path, not the hot path the emulator's speed is judged on
 * (JSON); node-cbor costs about 20 µs per record of a GetRecords answer.
 */
import * as cbor from 'cbor';
import { awsErrors, type AwsServiceError } from '../errors';
import { KDS_SHAPES } from './kds-shapes';
import type { Shape } from './shape-validator';
import { cborTextMap } from './request-screening';

/** CBOR tag 1, "epoch-based date/time"; AWS puts milliseconds under it. */
const TAG_EPOCH = 1;

// Tag 1 read as AWS writes it: epoch MILLISECONDS (a Date of exactly that instant).
const DECODE_OPTIONS = { tags: { [TAG_EPOCH]: (v: unknown): Date => new Date(Number(v)) } };
/**
 * Room for the largest answer (GetRecords: 10 MiB of data): node-cbor's encodeOne returns only what fits its
 * stream buffer (a stream option its typings leave out), silently cutting anything larger.
 */
const ENCODE_OPTIONS = { highWaterMark: 64 * 1024 * 1024 } as unknown as Parameters<typeof cbor.encodeOne>[1];

type Plain = Record<string, unknown>;

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isPlainObject = (v: unknown): v is Plain =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v) && !(v instanceof Date);

/** Java's class names for what CBOR can carry and JSON cannot, in the service's "can not be converted" wording. */
const JAVA_TYPE_OF_SHAPE: Record<Shape['type'], string> = {
  string: 'an String',
  integer: 'an Integer',
  boolean: 'an Boolean',
  timestamp: 'milliseconds since epoch',
  blob: 'a Blob',
  list: 'a List',
  map: 'a Map',
  structure: 'a Structure',
};

function unexpected(value: Uint8Array | Date, shape: Shape): never {
  const javaClass = isBytes(value) ? '[B' : 'java.util.Date';
  throw awsErrors.serialization(`class ${javaClass} can not be converted to ${JAVA_TYPE_OF_SHAPE[shape.type]}`);
}

/**
 * The value as the JSON path would have it, member by member along the input shape. Values of the wrong JSON type
 * pass through unchanged so that the validator words the SerializationException exactly as for JSON; only the
 * CBOR-only types (byte strings, tagged dates) outside their own slots are refused here.
 */
function toJsonForm(shape: Shape | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'bigint') return Number(value);
  if (shape === undefined) return isBytes(value) ? Buffer.from(value).toString('base64') : value instanceof Date ? undefined : value;
  switch (shape.type) {
    case 'blob':
      return isBytes(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value;
    case 'timestamp':
      if (value instanceof Date) return value.getTime() / 1000;
      return typeof value === 'number' ? value / 1000 : value;
    case 'list':
      return Array.isArray(value) ? value.map((item) => toJsonForm(shape.member, item)) : passThrough(value, shape);
    case 'map':
      return isPlainObject(value) ? mapValues(value, () => shape.value) : passThrough(value, shape);
    case 'structure':
      return isPlainObject(value) ? mapValues(value, (key) => (Object.hasOwn(shape.members, key) ? shape.members[key] : undefined)) : passThrough(value, shape);
    default:
      return passThrough(value, shape);
  }
}

function passThrough(value: unknown, shape: Shape): unknown {
  if (isBytes(value) || value instanceof Date) unexpected(value, shape);
  return value;
}

function mapValues(object: Plain, shapeOf: (key: string) => Shape | undefined): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(object)) {
    const converted = toJsonForm(shapeOf(key), v);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

/**
 * A CBOR request body, decoded. Throws (the front door answers SerializationException) when the bytes are not one
 * CBOR item, or the item is a byte string or a date, which JSON cannot express and no operation takes.
 */
export function decodeCbor(body: Uint8Array): unknown {
  const value: unknown = cbor.decodeFirstSync(body, DECODE_OPTIONS);
  if (value instanceof Map) throw awsErrors.serialization('Start of structure or map found where not expected.');
  if (isBytes(value) || value instanceof Date) throw awsErrors.serialization('');
  return value;
}

/** A decoded CBOR input as the JSON path would have parsed it for `operation` (non-maps pass for the validator). */
export function cborInputAsJsonForm(operation: string, input: unknown): unknown {
  if (!isPlainObject(input)) return input;
  const shape = Object.hasOwn(KDS_SHAPES, operation) ? KDS_SHAPES[operation] : undefined;
  return toJsonForm(shape ?? { type: 'structure', members: {} }, input);
}

/** Output members that are timestamps (epoch seconds in the JSON form) or blobs (base64): the Kinesis model's. */
const OUTPUT_TIMESTAMPS = new Set([
  'ApproximateArrivalTimestamp',
  'StreamCreationTimestamp',
  'ConsumerCreationTimestamp',
  'Timestamp',
  'StartedAt',
  'EndedAt',
  'EarliestAllowedEndAt',
]);
const OUTPUT_BLOBS = new Set(['Data']);

function toCborForm(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    // An integer under tag 1 (node-cbor writes safe integers as CBOR integers, uint64 past 32 bits).
    if (OUTPUT_TIMESTAMPS.has(key)) return new cbor.Tagged(TAG_EPOCH, Math.round(value * 1000));
    return value;
  }
  if (typeof value === 'string') return OUTPUT_BLOBS.has(key) ? Buffer.from(value, 'base64') : value;
  if (Array.isArray(value)) return value.map((item) => toCborForm(key, item));
  if (isPlainObject(value)) {
    const out: Plain = {};
    for (const [k, v] of Object.entries(value)) {
      const converted = toCborForm(k, v);
      if (converted !== undefined) out[k] = converted;
    }
    return out;
  }
  return value;
}

/** An operation's JSON-form output as a CBOR map (also an event's payload). */
export function encodeCborValue(output: object): Uint8Array {
  return cbor.encodeOne(toCborForm('', output), ENCODE_OPTIONS);
}

/** An answer body: an operation without output answers an empty body, as over JSON. */
export function encodeCborOutput(output: object): Uint8Array {
  return Object.keys(output).length === 0 ? new Uint8Array(0) : encodeCborValue(output);
}

/**
 * The error body: `__type` and the message under the error's own key, in the front door's CBOR envelope
 * (request-screening.ts), so that every CBOR error of the endpoint has the same bytes. The Java SDKs read the code
 * from `x-amzn-ErrorType` or `__type` and the message from `message` or `Message`.
 */
export function encodeCborError(err: AwsServiceError): Uint8Array {
  return cborTextMap(err.message ? { __type: err.code, [err.messageKey]: err.message } : { __type: err.code });
}
