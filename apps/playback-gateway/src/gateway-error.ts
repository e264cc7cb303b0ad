/**
 * The gateway's one error class (conventions.md §8): a stable `code`, the HTTP status it answers with, `retriable`,
 * and the problem document it becomes. KVS failures are classified by one table (conventions.md §9) from the
 * SDK's exception names, so that every route maps them alike.
 */
import { STATUS_CODES } from 'node:http';
import type { ProblemDetails } from '@tributary/auth';

export type GatewayErrorCode =
  | 'INVALID_REQUEST'
  | 'NOT_FOUND'
  | 'NOT_CONFIGURED'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'NO_MEDIA'
  | 'UNPLAYABLE_MEDIA'
  | 'NO_DATA_RETENTION'
  | 'SESSION_EXPIRED'
  | 'UPSTREAM_THROTTLED'
  | 'UPSTREAM_DENIED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_ERROR'
  | 'INTERNAL';

const CLASSES: Readonly<Record<GatewayErrorCode, { status: number; retriable: boolean }>> = {
  INVALID_REQUEST: { status: 400, retriable: false },
  NOT_FOUND: { status: 404, retriable: false },
  // A dashboard panel whose table the gateway was not given: as absent as an unknown route.
  NOT_CONFIGURED: { status: 404, retriable: false },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false },
  RATE_LIMITED: { status: 429, retriable: true },
  NO_MEDIA: { status: 404, retriable: false },
  UNPLAYABLE_MEDIA: { status: 422, retriable: false },
  NO_DATA_RETENTION: { status: 409, retriable: false },
  SESSION_EXPIRED: { status: 403, retriable: false },
  UPSTREAM_THROTTLED: { status: 503, retriable: true },
  // KVS refused *our* credentials: the client can do nothing about it, so it is the gateway's failure.
  UPSTREAM_DENIED: { status: 502, retriable: false },
  UPSTREAM_TIMEOUT: { status: 504, retriable: true },
  UPSTREAM_ERROR: { status: 502, retriable: true },
  INTERNAL: { status: 500, retriable: false },
};

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;
  readonly retriable: boolean;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = CLASSES[code].status;
    this.retriable = CLASSES[code].retriable;
    this.headers = options.headers ?? {};
  }

  /** RFC 9457, shaped like @tributary/auth's 401/403 documents so that clients handle every refusal alike. */
  toProblem(instance?: string): ProblemDetails {
    return {
      type: 'about:blank',
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      ...(instance !== undefined ? { instance } : {}),
      code: this.code,
    };
  }
}

/** KVS exception names (kvs-reference.md §2, §5) → our codes. Anything else is an upstream failure. */
const KVS_EXCEPTIONS: Readonly<Record<string, GatewayErrorCode>> = {
  ResourceNotFoundException: 'NOT_FOUND',
  InvalidArgumentException: 'INVALID_REQUEST',
  ClientLimitExceededException: 'UPSTREAM_THROTTLED',
  LimitExceededException: 'UPSTREAM_THROTTLED',
  NotAuthorizedException: 'UPSTREAM_DENIED',
  AccessDeniedException: 'UPSTREAM_DENIED',
  UnsupportedStreamMediaTypeException: 'UNPLAYABLE_MEDIA',
  MissingCodecPrivateDataException: 'UNPLAYABLE_MEDIA',
  InvalidCodecPrivateDataException: 'UNPLAYABLE_MEDIA',
  InvalidMediaFrameException: 'UNPLAYABLE_MEDIA',
  NoDataRetentionException: 'NO_DATA_RETENTION',
  TimeoutError: 'UPSTREAM_TIMEOUT',
  AbortError: 'UPSTREAM_TIMEOUT',
};

/** An SDK (or fetch) failure as a GatewayError; GatewayErrors pass through. */
export function classifyKvsError(err: unknown, operation: string): GatewayError {
  if (err instanceof GatewayError) return err;
  // Duck-typed: SDK exceptions and DOMExceptions (abort reasons) are not always instances of this realm's Error.
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  // Own rows only: the name comes from the wire (`constructor` would find Object.prototype's).
  const code = (Object.hasOwn(KVS_EXCEPTIONS, name) ? KVS_EXCEPTIONS[name] : undefined) ?? 'UPSTREAM_ERROR';
  const upstream = typeof e.message === 'string' ? e.message : String(err);
  // What KVS says about the client's request (no such stream, bad range) is useful to it; our own credential or
  // network trouble is not its business and stays in the log.
  const message =
    code === 'NOT_FOUND' || code === 'INVALID_REQUEST' || code === 'UNPLAYABLE_MEDIA' || code === 'NO_DATA_RETENTION'
      ? upstream
      : `Kinesis Video Streams ${operation} failed (${code === 'UPSTREAM_ERROR' ? name || 'error' : code.toLowerCase()}).`;
  return new GatewayError(code, message, { cause: err });
}
