/**
 * The ingest API's errors (conventions.md §8): one class with a stable `code`; what each code means on the wire
 * (status, title, problem type, whether retrying can help) lives in one table (conventions.md §9).
 */
export type IngestErrorCode =
  | 'MALFORMED_BODY'
  | 'NO_VALID_RECORDS'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_ENCODING'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'SHUTTING_DOWN'
  | 'NOT_DELIVERED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL';

export interface IngestErrorClass {
  status: number;
  /** Short, fixed summary of the problem type (RFC 9457 §3.1.3). */
  title: string;
  /** Last segment of the problem type URI. */
  type: string;
  retriable: boolean;
}

export const INGEST_ERROR_CLASSES: Readonly<Record<IngestErrorCode, IngestErrorClass>> = {
  MALFORMED_BODY: { status: 400, title: 'Malformed request body', type: 'malformed-body', retriable: false },
  NO_VALID_RECORDS: { status: 400, title: 'No valid records', type: 'no-valid-records', retriable: false },
  BODY_TOO_LARGE: { status: 413, title: 'Request body too large', type: 'body-too-large', retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', type: 'unsupported-media-type', retriable: false },
  UNSUPPORTED_ENCODING: { status: 415, title: 'Unsupported content encoding', type: 'unsupported-encoding', retriable: false },
  RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', type: 'rate-limited', retriable: true },
  OVERLOADED: { status: 503, title: 'Overloaded', type: 'overloaded', retriable: true },
  SHUTTING_DOWN: { status: 503, title: 'Shutting down', type: 'shutting-down', retriable: true },
  NOT_DELIVERED: { status: 503, title: 'Records not delivered', type: 'not-delivered', retriable: true },
  NOT_FOUND: { status: 404, title: 'Not found', type: 'not-found', retriable: false },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', type: 'method-not-allowed', retriable: false },
  INTERNAL: { status: 500, title: 'Internal error', type: 'internal', retriable: false },
};

export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly status: number;
  readonly retriable: boolean;
  /** Seconds after which a retry may succeed (429, 503): sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** RFC 9457 extension members added to the problem body (e.g. per-record `results`). */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Response headers the error needs (e.g. `Allow` on 405). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: IngestErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    const cls = INGEST_ERROR_CLASSES[code];
    this.status = cls.status;
    this.retriable = cls.retriable;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}
