/**
 * What AWS's Kinesis endpoint answers before an operation runs, in AWS's order (recorded by kinesalite against
 * Kinesis): the method, the content type, an empty body, the target, a body that does not decode, the deprecated
 * `application/json` protocol, and the SigV4 shape (sigv4-syntax.ts). These answers are not the usual error
 * envelope: some are XML without a content type, some carry only `__type`, some are CBOR whatever was asked.
 * Pure: a decision over the request's method, headers and body bytes.
 */
import { sigV4Problem } from '../server/sigv4-syntax';

export const AMZ_JSON_1_1 = 'application/x-amz-json-1.1';
export const AMZ_CBOR_1_1 = 'application/x-amz-cbor-1.1';
/** Accepted by AWS's parser but served by no operation: answered in Coral's old envelope. */
const DEPRECATED_JSON = 'application/json';
const KDS_SERVICE = 'Kinesis_20131202';

export interface ScreenedRequest {
  method: string;
  /** The `Content-Type` header as sent. */
  contentType: string | undefined;
  /** The `X-Amz-Target` header as sent. */
  target: string | undefined;
  body: Buffer;
  authorization: string | undefined;
  hasDateHeader: boolean;
  /** The query string (after `?`), '' for none. */
  query: string;
}

/** An answer the front door gives itself; `contentType` undefined: AWS sends none (its XML answers). */
export interface FrontDoorAnswer {
  status: number;
  contentType: string | undefined;
  /** The exception name, for `x-amzn-ErrorType` on envelope answers; undefined on XML answers (AWS sends none). */
  errorType: string | undefined;
  body: Buffer;
}

export type Screening =
  | { answer: FrontDoorAnswer }
  | { answer?: undefined; operation: string; input: object; contentType: typeof AMZ_JSON_1_1 | typeof AMZ_CBOR_1_1 };

export interface ScreeningRules {
  /** Whether the emulator serves this name after `Kinesis_20131202.` (own names only, never Object.prototype's). */
  isOperation(name: string): boolean;
  /** The body decoded by its content type (JSON 1.1 or CBOR 1.1); throws when it does not decode. */
  decode(contentType: typeof AMZ_JSON_1_1 | typeof AMZ_CBOR_1_1, body: Buffer): unknown;
}

/** CBOR text string header: major type 3 with the byte length. */
function cborTextHeader(length: number): Buffer {
  if (length < 24) return Buffer.from([0x60 + length]);
  if (length < 0x100) return Buffer.from([0x78, length]);
  if (length < 0x10000) return Buffer.from([0x79, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = 0x7a;
  head.writeUInt32BE(length, 1);
  return head;
}

/** A map of text strings as AWS encodes its CBOR errors: indefinite length (0xbf … 0xff). */
export function cborTextMap(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0xbf])];
  for (const [key, value] of Object.entries(entries)) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      parts.push(cborTextHeader(bytes.length), bytes);
    }
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** `{__type[, message]}` in the request's protocol, 400. */
function envelope(contentType: string, type: string, message?: string, status = 400): FrontDoorAnswer {
  const fields: Record<string, string> = message === undefined ? { __type: type } : { __type: type, message };
  const body = contentType === AMZ_CBOR_1_1 ? cborTextMap(fields) : Buffer.from(JSON.stringify(fields));
  return { status, contentType, errorType: type, body };
}

/** AWS's XML answer of its authorizer: 403 with the message, or only the element with another status. */
export function xmlAnswer(type: string, message: string | undefined, status = 403): FrontDoorAnswer {
  const text = message === undefined ? `<${type}/>\n` : `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`;
  return { status, contentType: undefined, errorType: undefined, body: Buffer.from(text) };
}

/** Coral's old envelope for `application/json` requests. */
function deprecated(type: string, status: number): FrontDoorAnswer {
  const body = Buffer.from(JSON.stringify({ Output: { __type: `com.amazon.coral.service#${type}` }, Version: '1.0' }));
  return { status, contentType: DEPRECATED_JSON, errorType: undefined, body };
}

const UNDETERMINED = 'Unable to determine service/operation name to be authorized';

function decodeObject(rules: ScreeningRules, contentType: typeof AMZ_JSON_1_1 | typeof AMZ_CBOR_1_1, body: Buffer): object | undefined {
  try {
    const data = rules.decode(contentType, body);
    return typeof data === 'object' && data !== null ? data : undefined;
  } catch {
    return undefined;
  }
}

/** AWS's answer to a request its Kinesis endpoint refuses before the operation, or the operation and its input. */
export function screenKdsRequest(req: ScreenedRequest, rules: ScreeningRules): Screening {
  if (req.method !== 'POST') return { answer: xmlAnswer('AccessDeniedException', UNDETERMINED) };
  const contentType = (req.contentType ?? '').split(';')[0].trim();
  const [service, operation] = (req.target ?? '').split('.');
  const targetValid = service === KDS_SERVICE && operation !== undefined && operation !== '' && rules.isOperation(operation);
  if (req.body.length === 0) {
    const type = targetValid ? 'SerializationException' : 'UnknownOperationException';
    return { answer: envelope(contentType === AMZ_JSON_1_1 ? AMZ_JSON_1_1 : AMZ_CBOR_1_1, type) };
  }
  if (contentType !== AMZ_JSON_1_1 && contentType !== AMZ_CBOR_1_1 && contentType !== DEPRECATED_JSON) {
    if (!service || !operation) return { answer: xmlAnswer('AccessDeniedException', UNDETERMINED) };
    return { answer: xmlAnswer('UnknownOperationException', undefined, 404) };
  }
  const input = decodeObject(rules, contentType === AMZ_CBOR_1_1 ? AMZ_CBOR_1_1 : AMZ_JSON_1_1, req.body);
  if (contentType === DEPRECATED_JSON) return { answer: input === undefined ? deprecated('SerializationException', 400) : deprecated('UnknownOperationException', 404) };
  if (input === undefined) return { answer: envelope(contentType, 'SerializationException') };
  if (!targetValid) return { answer: envelope(contentType, 'UnknownOperationException') };
  const problem = sigV4Problem(req);
  if (problem) return { answer: envelope(contentType, problem.code, problem.message) };
  return { operation, input, contentType };
}
