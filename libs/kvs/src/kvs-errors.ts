/**
 * Every error of @tributary/kvs, in one file (conventions.md §8): the base `KvsError` (a TributaryError: stable
 * `code`, `retriable`, `cause`; `instanceof` across bundles by brand), and what PutMedia and GetMedia failures mean,
 * as tables rather than scattered ifs (conventions.md §9). AWS error names are classified by the one shared
 * classifier (@tributary/errors); only what KVS adds on top (ERROR acks, endpoint refresh) is data here.
 *
 * ERROR acknowledgements (kvs-reference.md §3.7: ErrorId ↔ ErrorCode from the PutMedia doc, AWS SDK for Java v1
 * `AckErrorCode` and PIC `SERVICE_CALL_RESULT`). After any ERROR ack the service closes the request
 * (producer-sdk-cpp #572), so every disposition involves a new connection; they differ in what is resent:
 *
 * - `reconnect` (retriable): the connection or the service failed, not the data. Reconnect after a backoff and
 *   resend from the first fragment not yet persisted.
 * - `drop-fragment` (not retriable for that fragment): the fragment named by FragmentTimecode is unacceptable as
 *   sent (too long, too big, out of order, bad MKV, metadata limits, track mismatch). Resending it would fail the
 *   same way forever, so it is reported as failed, released from the store, and the session goes on with the
 *   next one. Several in a row mean the header itself is at fault (4006 and 4010 can be either): the session
 *   stops after `maxConsecutiveFragmentErrors`.
 * - `stop` (not retriable): the stream or its key is unusable (deleted, not active, KMS denied); nothing the
 *   producer resends can succeed without an operator. The session fails; fragments stay in the store.
 *
 * Decisions where the reference is [unconfirmed]: 4012's name (PIC comment), the ErrorIds of
 * MIN_FRAGMENT_DURATION_REACHED / MAX_FRAGMENT_SIZE (none known: matched by name only), and unknown ids:
 * 5xxx → reconnect (server side), any other → drop-fragment (a 4xxx is about the request's data).
 */
import { AWS_ERRORS, KINESIS_VIDEO_ERRORS, TributaryError, classifyCallError } from '@tributary/errors';
import type { FragmentAck } from './putmedia/ack-parser';

export type KvsErrorCode =
  /** An option is missing or out of range (raised by a constructor; the message names the setting). */
  | 'INVALID_OPTION'
  /** A call made in the wrong state or with a bad argument (writeFragment before writeHeader, timecode going back). */
  | 'INVALID_ARGUMENT'
  /** An ERROR acknowledgement on the PutMedia response; the subclass says which (below). */
  | 'ACK_ERROR'
  /** The data endpoint answered a non-200 status before the acknowledgement stream (AWS error name in `awsErrorName`). */
  | 'HTTP_ERROR'
  /** The socket failed or closed (errno in `errno`), or the service closed the acknowledgement stream early. */
  | 'CONNECTION_ERROR'
  /** No acknowledgement event for longer than the staleness limit while fragments were outstanding. */
  | 'CONNECTION_STALE'
  /** GetDataEndpoint failed. */
  | 'ENDPOINT_ERROR'
  /** The session gave up: reconnect attempts exhausted, or too many fragments refused in a row. */
  | 'SESSION_FAILED'
  /** write*() or end() after the session was closed or failed. */
  | 'SESSION_CLOSED'
  /** A second session for a stream that already has one in this client (KVS allows one PutMedia per stream). */
  | 'SESSION_EXISTS'
  /** end() did not see every fragment persisted within its time limit; they stay in the fragment store. */
  | 'END_TIMEOUT'
  /** GetMedia returned a chunk with AWS_KINESISVIDEO_ERROR_* tags, or an unreadable stream. */
  | 'GET_MEDIA_ERROR'
  /** A bug: an invariant did not hold. */
  | 'INTERNAL';

/** The base of every error of this lib: `new KvsError(code, message, retriable, { cause })`, as TributaryError. */
export class KvsError extends TributaryError<KvsErrorCode> {
  static override readonly brand: string = 'tributary.kvs.KvsError';
  override name = 'KvsError';
}

// ---------------------------------------------------------------------------------------------------------------
// PutMedia ERROR acknowledgements (kvs-reference.md §3.7).

export type AckErrorDisposition = 'reconnect' | 'drop-fragment' | 'stop';

export interface AckErrorInfo {
  errorId: number;
  errorCode: string;
  disposition: AckErrorDisposition;
  description: string;
}

const row = (errorId: number, errorCode: string, disposition: AckErrorDisposition, description: string): AckErrorInfo => ({
  errorId,
  errorCode,
  disposition,
  description,
});

/** §3.7's table. */
export const PUT_MEDIA_ACK_ERRORS: readonly AckErrorInfo[] = [
  row(4000, 'STREAM_READ_ERROR', 'reconnect', 'error reading the data stream'),
  row(4001, 'MAX_FRAGMENT_SIZE_REACHED', 'drop-fragment', 'fragment larger than the maximum (50 MB)'),
  row(4002, 'MAX_FRAGMENT_DURATION_REACHED', 'drop-fragment', 'fragment longer than the maximum (20 s; older docs 10 s)'),
  row(4003, 'MAX_CONNECTION_DURATION_REACHED', 'reconnect', 'connection older than the maximum (45 min)'),
  row(4004, 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS', 'drop-fragment', 'fragment timecode lower than the previous one on this connection'),
  row(4005, 'MORE_THAN_ONE_TRACK_FOUND', 'stop', 'more than one track (deprecated)'),
  row(4006, 'INVALID_MKV_DATA', 'drop-fragment', 'input could not be parsed as acceptable MKV'),
  row(4007, 'INVALID_PRODUCER_TIMESTAMP', 'drop-fragment', 'invalid producer timestamp'),
  row(4008, 'STREAM_NOT_ACTIVE', 'stop', 'the stream no longer exists or is not active'),
  row(4009, 'FRAGMENT_METADATA_LIMIT_REACHED', 'drop-fragment', 'fragment metadata limits reached'),
  row(4010, 'TRACK_NUMBER_MISMATCH', 'drop-fragment', 'a frame of a track number not declared in Tracks'),
  row(4011, 'FRAMES_MISSING_FOR_TRACK', 'drop-fragment', 'a declared track has no frame in the fragment'),
  row(4012, 'MORE_THAN_ALLOWED_TRACKS_FOUND', 'stop', 'more tracks than allowed (3)'),
  row(4500, 'KMS_KEY_ACCESS_DENIED', 'stop', 'access to the stream KMS key denied'),
  row(4501, 'KMS_KEY_DISABLED', 'stop', 'the stream KMS key is disabled'),
  row(4502, 'KMS_KEY_VALIDATION_ERROR', 'stop', 'the stream KMS key failed validation'),
  row(4503, 'KMS_KEY_UNAVAILABLE', 'reconnect', 'the stream KMS key is unavailable'),
  row(4504, 'KMS_KEY_INVALID_USAGE', 'stop', 'invalid usage of the stream KMS key'),
  row(4505, 'KMS_KEY_INVALID_STATE', 'stop', 'the stream KMS key is in an invalid state'),
  row(4506, 'KMS_KEY_NOT_FOUND', 'stop', 'the stream KMS key was not found'),
  row(4507, 'STREAM_DELETED', 'stop', 'the stream was deleted'),
  row(5000, 'INTERNAL_ERROR', 'reconnect', 'internal service error'),
  row(5001, 'ARCHIVAL_ERROR', 'reconnect', 'the service failed to persist the fragment'),
];

/** Names without a known ErrorId (quota page) and the Go spelling of 4005: matched by ErrorCode only. */
const BY_NAME_ONLY: readonly AckErrorInfo[] = [
  row(-1, 'MIN_FRAGMENT_DURATION_REACHED', 'drop-fragment', 'fragment shorter than the minimum (1 s)'),
  row(-1, 'MAX_FRAGMENT_SIZE', 'drop-fragment', 'fragment larger than the maximum'),
];

const byId = new Map(PUT_MEDIA_ACK_ERRORS.map((info) => [info.errorId, info]));
const byName = new Map([...PUT_MEDIA_ACK_ERRORS, ...BY_NAME_ONLY].map((info) => [info.errorCode, info]));

/** The table row for an ERROR ack: by ErrorId first, else by ErrorCode, else a row derived from the id's class. */
export function lookupAckError(errorId: number | undefined, errorCode: string | undefined): AckErrorInfo {
  const known = (errorId !== undefined ? byId.get(errorId) : undefined) ?? (errorCode !== undefined ? byName.get(errorCode) : undefined);
  if (known) return known;
  const id = errorId ?? -1;
  const disposition: AckErrorDisposition = id >= 5000 && id < 6000 ? 'reconnect' : 'drop-fragment';
  return row(id, errorCode ?? 'UNKNOWN_ERROR', disposition, 'error not in the known table');
}

/** Base of the errors built from ERROR acknowledgements. `code` is the lib's 'ACK_ERROR'; `ackErrorCode` is KVS's. */
export class PutMediaAckError extends KvsError {
  static override readonly brand: string = 'tributary.kvs.PutMediaAckError';
  override name = 'PutMediaAckError';
  readonly errorId: number;
  readonly ackErrorCode: string;
  readonly disposition: AckErrorDisposition;
  constructor(
    info: AckErrorInfo,
    readonly streamName: string,
    /** The fragment the ack names (cluster timecode as sent), when it names one. */
    readonly fragmentTimecode: number | undefined,
    readonly fragmentNumber: string | undefined,
  ) {
    super(
      'ACK_ERROR',
      `PutMedia to ${streamName}: ERROR ack ${info.errorCode} (${info.errorId}), ${info.description}` +
        (fragmentTimecode !== undefined ? `, fragment timecode ${fragmentTimecode}` : '') +
        '.',
      info.disposition === 'reconnect',
    );
    this.errorId = info.errorId;
    this.ackErrorCode = info.errorCode;
    this.disposition = info.disposition;
  }
}

/** Disposition `reconnect`: resend from the first fragment not yet persisted on a new connection. */
export class PutMediaRetriableAckError extends PutMediaAckError {
  static override readonly brand: string = 'tributary.kvs.PutMediaRetriableAckError';
  override name = 'PutMediaRetriableAckError';
}

/** Disposition `drop-fragment`: the named fragment is refused for good; the session goes on without it. */
export class PutMediaFragmentRejectedError extends PutMediaAckError {
  static override readonly brand: string = 'tributary.kvs.PutMediaFragmentRejectedError';
  override name = 'PutMediaFragmentRejectedError';
}

/** Disposition `stop`: the stream cannot take data; the session fails. */
export class PutMediaFatalAckError extends PutMediaAckError {
  static override readonly brand: string = 'tributary.kvs.PutMediaFatalAckError';
  override name = 'PutMediaFatalAckError';
}

/** The typed error for an ERROR ack. */
export function ackErrorFromAck(ack: FragmentAck, streamName: string): PutMediaAckError {
  const info = lookupAckError(ack.errorId, ack.errorCode);
  const ErrorClass =
    info.disposition === 'reconnect' ? PutMediaRetriableAckError : info.disposition === 'stop' ? PutMediaFatalAckError : PutMediaFragmentRejectedError;
  return new ErrorClass(info, streamName, ack.fragmentTimecode, ack.fragmentNumber);
}

// ---------------------------------------------------------------------------------------------------------------
// Failures before the acknowledgement stream: a non-200 answer (restJson error, kvs-reference.md §1.3, §3.2).

export interface HttpErrorInfo {
  retriable: boolean;
  /** Call GetDataEndpoint again before the next attempt (the cached endpoint may be the cause). */
  refreshEndpoint: boolean;
}

/** What PutMedia adds to the shared classifier's answer for an AWS error name. */
export interface PutMediaErrorNameRow {
  /** The cached data endpoint is suspect: GetDataEndpoint again before the next attempt. */
  refreshEndpoint?: true;
  /**
   * Retried whatever the shared classifier says of a one-shot call: every PutMedia connection is signed afresh, with
   * the date and credentials taken again, so a signature refused for clock skew or rotated keys can pass next time.
   */
  signedAfresh?: true;
}

/**
 * PutMedia's additions to @tributary/errors (KINESIS_VIDEO_ERRORS and the general AWS names), as data. Whether any
 * other AWS error name is worth a retry is the shared classifier's answer, not repeated here.
 */
export const PUT_MEDIA_ERROR_NAMES: Readonly<Record<string, PutMediaErrorNameRow>> = {
  // The stream is gone, or was never on this endpoint.
  ResourceNotFoundException: { refreshEndpoint: true },
  // The endpoint itself is wrong: a new GetDataEndpoint answer fixes it.
  InvalidEndpointException: { refreshEndpoint: true },
  // The endpoint does not know /putMedia: not a data endpoint of KVS.
  UnknownOperationException: { refreshEndpoint: true },
  InvalidSignatureException: { signedAfresh: true },
  SignatureDoesNotMatch: { signedAfresh: true },
};

/** Whether a table knows the name (own rows only: a name from the peer may be `__proto__` or `constructor`). */
function isKnownErrorName(name: string): boolean {
  return Object.hasOwn(PUT_MEDIA_ERROR_NAMES, name) || Object.hasOwn(KINESIS_VIDEO_ERRORS, name) || Object.hasOwn(AWS_ERRORS, name);
}

/**
 * Classifies a non-200 PutMedia answer: a known AWS error name by the shared classifier (retriable: throttled or
 * transient) and the rows above, else by status (5xx, 429, 408 retriable; 403 too, as clock skew: date and
 * credentials are taken afresh per attempt). The endpoint is refreshed after the names above and 404, 502, 503.
 */
export function classifyHttpError(statusCode: number, awsErrorName: string | undefined): HttpErrorInfo {
  if (awsErrorName !== undefined && isKnownErrorName(awsErrorName)) {
    const row: PutMediaErrorNameRow = Object.hasOwn(PUT_MEDIA_ERROR_NAMES, awsErrorName) ? PUT_MEDIA_ERROR_NAMES[awsErrorName] : {};
    const retriable = row.signedAfresh === true || classifyCallError({ name: awsErrorName }, KINESIS_VIDEO_ERRORS).retriable;
    return { retriable, refreshEndpoint: row.refreshEndpoint === true };
  }
  if (statusCode >= 500 || statusCode === 429 || statusCode === 408) return { retriable: true, refreshEndpoint: statusCode === 502 || statusCode === 503 };
  if (statusCode === 403) return { retriable: true, refreshEndpoint: false };
  if (statusCode === 404) return { retriable: false, refreshEndpoint: true };
  return { retriable: false, refreshEndpoint: false };
}

export class PutMediaHttpError extends KvsError {
  static override readonly brand: string = 'tributary.kvs.PutMediaHttpError';
  override name = 'PutMediaHttpError';
  readonly refreshEndpoint: boolean;
  constructor(
    readonly streamName: string,
    readonly statusCode: number,
    /** From `x-amzn-ErrorType` (cut at `:`), else the body's `__type` / `code` (cut after `#`). */
    readonly awsErrorName: string | undefined,
    readonly serviceMessage: string | undefined,
  ) {
    const info = classifyHttpError(statusCode, awsErrorName);
    super(
      'HTTP_ERROR',
      `PutMedia to ${streamName} answered ${statusCode}${awsErrorName ? ` ${awsErrorName}` : ''}${serviceMessage ? `: ${serviceMessage}` : ''}.`,
      info.retriable,
    );
    this.refreshEndpoint = info.refreshEndpoint;
  }
}

/** Socket-level failure or early end of the acknowledgement stream: always worth a new connection. */
export class PutMediaConnectionError extends KvsError {
  static override readonly brand: string = 'tributary.kvs.PutMediaConnectionError';
  override name = 'PutMediaConnectionError';
  constructor(
    readonly streamName: string,
    message: string,
    /** The errno-style code of the underlying error (ECONNRESET, …), if any. */
    readonly errno: string | undefined,
    cause?: unknown,
  ) {
    super('CONNECTION_ERROR', `PutMedia to ${streamName}: ${message}`, true, { cause });
  }
}

/** Errno codes after which the cached data endpoint is suspect (DNS or routing): GetDataEndpoint again. */
export const ENDPOINT_SUSPECT_ERRNOS: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The AWS error name of a restJson error answer, as the JS SDK derives it (kvs-reference.md §1.3):
 * `x-amzn-ErrorType` cut at the first `:` or `,`, else the body's `code`/`Code`/`__type` after any `#`.
 * Also reads the Coral envelope `{"Output":{"__type":"com.amazon.coral.service#SerializationException"}}`.
 */
export function parseAwsErrorResponse(errorTypeHeader: string | undefined, body: string): { name?: string; message?: string } {
  const clean = (value: string): string => {
    let v = value.split(/[,:]/)[0] ?? value;
    const hash = v.lastIndexOf('#');
    if (hash >= 0) v = v.slice(hash + 1);
    return v.trim();
  };
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    // not JSON: the header alone names the error
  }
  const output = parsed['Output'];
  if (output && typeof output === 'object' && !Array.isArray(output)) parsed = { ...(output as Record<string, unknown>), ...parsed };
  const str = (key: string): string | undefined => (typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined);
  const rawName = errorTypeHeader || str('code') || str('Code') || str('__type');
  const name = rawName ? clean(rawName) : undefined;
  const message = str('message') ?? str('Message');
  return { ...(name ? { name } : {}), ...(message !== undefined ? { message } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// GetMedia (kvs-reference.md §4.3): an error chunk in the payload.

/** An error chunk (AWS_KINESISVIDEO_ERROR_ID / _ERROR_CODE tags) in a GetMedia payload; GetMedia stops after it. */
export class GetMediaError extends KvsError {
  static override readonly brand: string = 'tributary.kvs.GetMediaError';
  override name = 'GetMediaError';
  constructor(
    readonly fragmentNumber: string | undefined,
    readonly errorId: number | undefined,
    readonly errorCode: string | undefined,
  ) {
    // 3002 (error writing to the stream) and 5000 (internal) are worth a new GetMedia; 4000 (not found) and KMS are not.
    super(
      'GET_MEDIA_ERROR',
      `GetMedia reported error ${errorId ?? '?'}${errorCode ? ` (${errorCode})` : ''}${fragmentNumber ? ` at fragment ${fragmentNumber}` : ''}.`,
      errorId === 3002 || (errorId !== undefined && errorId >= 5000),
    );
  }
}
