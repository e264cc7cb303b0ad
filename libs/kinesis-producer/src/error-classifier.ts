/**
 * What a failure means for the records concerned, as tables rather than scattered ifs (smithy
 * service-error-classification; conventions.md §9):
 *
 * - `throttled`: the shard (or account) is over its limit. Retry after a backoff AND slow the shard down
 *   (the limiter's multiplicative decrease).
 * - `transient`: the service or the network hiccuped. Retry after a backoff.
 * - `permanent`: retrying the same record cannot succeed (stream missing, access denied, bad request, KMS key
 *   unusable). Fail the record now, with its error, instead of burning its time-to-live.
 *
 * Per-entry PutRecords errors carry an `ErrorCode` (kds-reference.md §1.1: ProvisionedThroughputExceededException,
 * InternalFailure, KMS*); whole-call failures are SDK service exceptions (by `name`), HTTP statuses, or Node
 * network errors (by errno `code`). Anything unknown is `transient`: its time-to-live bounds the retries, and
 * "not delivered" is then reported, never silently dropped. TypeError and RangeError are bugs, never retried.
 */
export type FailureKind = 'throttled' | 'transient' | 'permanent';

export interface ClassifiedFailure {
  kind: FailureKind;
  /** An AWS error name, an errno code, `HTTP_<status>`, or the error's name. */
  code: string;
  message: string;
}

/** AWS error names (PutRecords ErrorCode values and service exceptions). */
const BY_AWS_NAME: Readonly<Record<string, FailureKind>> = {
  ProvisionedThroughputExceededException: 'throttled',
  LimitExceededException: 'throttled',
  ThrottlingException: 'throttled',
  Throttling: 'throttled',
  RequestLimitExceeded: 'throttled',
  KMSThrottlingException: 'throttled',
  SlowDown: 'throttled',
  InternalFailure: 'transient',
  InternalFailureException: 'transient',
  InternalServerError: 'transient',
  ServiceUnavailable: 'transient',
  ServiceUnavailableException: 'transient',
  RequestTimeout: 'transient',
  RequestTimeoutException: 'transient',
  ResourceInUseException: 'transient', // stream UPDATING/CREATING: writes resume when it is ACTIVE again
  ExpiredTokenException: 'transient', // the credential provider refreshes
  RequestExpired: 'transient', // clock skew; the SDK corrects its offset from the answer
  ResourceNotFoundException: 'permanent',
  AccessDeniedException: 'permanent',
  ValidationException: 'permanent',
  InvalidArgumentException: 'permanent',
  SerializationException: 'permanent',
  UnrecognizedClientException: 'permanent',
  InvalidSignatureException: 'permanent',
  IncompleteSignatureException: 'permanent',
  MissingAuthenticationTokenException: 'permanent',
  KMSAccessDeniedException: 'permanent',
  KMSDisabledException: 'permanent',
  KMSInvalidStateException: 'permanent',
  KMSNotFoundException: 'permanent',
  KMSOptInRequired: 'permanent',
};

/** Node network errors (errno / undici / http2 codes): the request may not have reached the service. */
const BY_ERRNO: Readonly<Record<string, FailureKind>> = {
  ECONNREFUSED: 'transient',
  ECONNRESET: 'transient',
  ECONNABORTED: 'transient',
  EPIPE: 'transient',
  ETIMEDOUT: 'transient',
  EHOSTUNREACH: 'transient',
  ENETUNREACH: 'transient',
  ENETDOWN: 'transient',
  EAI_AGAIN: 'transient',
  ENOTFOUND: 'transient',
  EADDRNOTAVAIL: 'transient',
  ERR_HTTP2_STREAM_ERROR: 'transient',
  ERR_HTTP2_SESSION_ERROR: 'transient',
  ERR_HTTP2_GOAWAY_SESSION: 'transient',
  ERR_HTTP2_ERROR: 'transient',
  ERR_HTTP2_INVALID_SESSION: 'transient',
  ERR_STREAM_PREMATURE_CLOSE: 'transient',
};

/** Whether `code` is a Node network error (errno, undici or HTTP/2 code) of a call that failed on its way. */
export function isNetworkErrorCode(code: string): boolean {
  return Object.hasOwn(BY_ERRNO, code);
}

/** By error `name` when neither of the above matched. */
const BY_ERROR_NAME: Readonly<Record<string, FailureKind>> = {
  TimeoutError: 'transient',
  AbortError: 'transient',
  TypeError: 'permanent',
  RangeError: 'permanent',
  SyntaxError: 'transient', // a truncated answer the SDK could not parse
};

/** A table's own row for a name from the wire, never Object.prototype's (`constructor`, `__proto__`, …). */
function rowOf(table: Readonly<Record<string, FailureKind>>, key: string): FailureKind | undefined {
  return key !== '' && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A PutRecords entry's ErrorCode. */
export function classifyEntryError(errorCode: string, errorMessage = ''): ClassifiedFailure {
  return { kind: rowOf(BY_AWS_NAME, errorCode) ?? 'transient', code: errorCode, message: errorMessage };
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $fault?: unknown;
  cause?: unknown;
}

/** A whole-call failure (the promise of client.send rejected). */
export function classifyCallError(error: unknown): ClassifiedFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const name = typeof e.name === 'string' ? e.name : '';
  const byName = rowOf(BY_AWS_NAME, name);
  if (byName) return { kind: byName, code: name, message };
  const errno = typeof e.code === 'string' ? e.code : '';
  const byErrno = rowOf(BY_ERRNO, errno);
  if (byErrno) return { kind: byErrno, code: errno, message };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (status !== undefined) {
    if (status === 429) return { kind: 'throttled', code: name || 'HTTP_429', message };
    if (status >= 500) return { kind: 'transient', code: name || `HTTP_${status}`, message };
    if (e.$fault === 'client' && status >= 400) return { kind: 'permanent', code: name || `HTTP_${status}`, message };
  }
  // Errors wrapped by the SDK (e.g. a socket error as the cause of a service error) keep their cause's meaning.
  if (e.cause !== undefined && e.cause !== error) {
    const inner = classifyCallError(e.cause);
    if (inner.code !== 'Error') return inner;
  }
  const byErrorName = rowOf(BY_ERROR_NAME, name);
  if (byErrorName) return { kind: byErrorName, code: name, message };
  // Some wrappers keep only the text (the SDK's retry middleware wraps a value that is not `instanceof Error`,
  // e.g. a socket error from another realm, as "AWS SDK error wrapper for Error: connect ECONNREFUSED …").
  const inMessage = /\b(E[A-Z]{3,}|ERR_HTTP2_[A-Z_]+)\b/.exec(message)?.[1];
  const byMessage = inMessage ? rowOf(BY_ERRNO, inMessage) : undefined;
  if (inMessage && byMessage) return { kind: byMessage, code: inMessage, message };
  return { kind: 'transient', code: errno || name || 'Error', message };
}
