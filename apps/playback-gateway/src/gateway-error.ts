/**
 * The gateway's one error class (conventions.md §8), on tributary's error base: a stable `code`, the HTTP status
 * it answers with, `retriable`, and the problem document it becomes.
 *
 * What an AWS failure *is* (throttled, transient, permanent; its name) is @tributary/errors' one classifier; what
 * the gateway *answers a viewer* for it is the gateway's own, as data below (conventions.md §9): by the
 * classifier's code (the AWS name) first, each service's additions before the common rows, else by its kind.
 */
import { STATUS_CODES } from 'node:http';
import type { ProblemDetails } from '@tributary/auth';
import { awsErrorName, AWS_ERRORS, classifyCallError, KINESIS_VIDEO_ERRORS, TributaryError, type AwsErrorTable, type ClassifiedCallFailure, type FailureKind } from '@tributary/errors';

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

export class GatewayError extends TributaryError<GatewayErrorCode> {
  override readonly name = 'GatewayError';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: GatewayErrorCode, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(code, message, CLASSES[code].retriable, { cause: options.cause });
    this.status = CLASSES[code].status;
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

/** A viewer's answer by the classifier's code (an AWS name, an error name), whatever the service. */
export type UpstreamAnswers = Readonly<Record<string, GatewayErrorCode>>;

/** Every upstream alike: refused credentials are the gateway's fault, a timeout is a timeout. */
const COMMON_ANSWERS: UpstreamAnswers = {
  AccessDeniedException: 'UPSTREAM_DENIED',
  NotAuthorizedException: 'UPSTREAM_DENIED',
  UnrecognizedClientException: 'UPSTREAM_DENIED',
  TimeoutError: 'UPSTREAM_TIMEOUT',
  AbortError: 'UPSTREAM_TIMEOUT',
};

/** Else by kind: throttling asks the viewer to come back (503); anything else is the upstream's failure (502). */
const ANSWER_BY_KIND: Readonly<Record<FailureKind, GatewayErrorCode>> = {
  throttled: 'UPSTREAM_THROTTLED',
  transient: 'UPSTREAM_ERROR',
  permanent: 'UPSTREAM_ERROR',
};

/** KVS's words about the viewer's own request (kvs-reference.md §2, §5): answered as such, not as our failure. */
const KVS_ANSWERS: UpstreamAnswers = {
  ResourceNotFoundException: 'NOT_FOUND',
  InvalidArgumentException: 'INVALID_REQUEST',
  UnsupportedStreamMediaTypeException: 'UNPLAYABLE_MEDIA',
  MissingCodecPrivateDataException: 'UNPLAYABLE_MEDIA',
  InvalidCodecPrivateDataException: 'UNPLAYABLE_MEDIA',
  InvalidMediaFrameException: 'UNPLAYABLE_MEDIA',
  NoDataRetentionException: 'NO_DATA_RETENTION',
};

/** KVS codes whose upstream message is about the client's request, and so is passed on to it. */
const CLIENT_FACING: ReadonlySet<GatewayErrorCode> = new Set(['NOT_FOUND', 'INVALID_REQUEST', 'UNPLAYABLE_MEDIA', 'NO_DATA_RETENTION']);

/** The gateway's code for a classified failure: the service's row, the common row, else the kind's. */
export function upstreamErrorCode(failure: Pick<ClassifiedCallFailure, 'code' | 'kind'>, service: UpstreamAnswers = {}): GatewayErrorCode {
  // Own rows only: the code comes from the wire (`constructor` would find Object.prototype's).
  if (Object.hasOwn(service, failure.code)) return service[failure.code] as GatewayErrorCode;
  if (Object.hasOwn(COMMON_ANSWERS, failure.code)) return COMMON_ANSWERS[failure.code] as GatewayErrorCode;
  return ANSWER_BY_KIND[failure.kind];
}

/** `err` as a GatewayError by the shared classifier and `answers`; GatewayErrors pass through. */
export function classifyUpstreamError(
  err: unknown,
  table: AwsErrorTable,
  answers: UpstreamAnswers,
  message: (code: GatewayErrorCode, failure: ClassifiedCallFailure) => string,
): GatewayError {
  if (err instanceof GatewayError) return err;
  const failure = classifyCallError(err, table);
  const code = upstreamErrorCode(failure, answers);
  return new GatewayError(code, message(code, failure), { cause: err });
}

/** An SDK (or fetch) failure of Kinesis Video Streams as a GatewayError; GatewayErrors pass through. */
export function classifyKvsError(err: unknown, operation: string): GatewayError {
  // What KVS says about the client's request (no such stream, bad range) is useful to it; our own credential or
  // network trouble is not its business and stays in the log.
  return classifyUpstreamError(err, KINESIS_VIDEO_ERRORS, KVS_ANSWERS, (code, failure) =>
    CLIENT_FACING.has(code)
      ? failure.message
      : `Kinesis Video Streams ${operation} failed (${code === 'UPSTREAM_ERROR' ? awsErrorName(err) || 'error' : code.toLowerCase()}).`,
  );
}

/** A Kinesis Data Streams failure (the dashboard's data-streams panel) as a GatewayError; GatewayErrors pass through. */
export function classifyKdsError(err: unknown, operation: string): GatewayError {
  return classifyUpstreamError(err, AWS_ERRORS, { ResourceNotFoundException: 'NOT_FOUND' }, (code, failure) =>
    code === 'NOT_FOUND' ? failure.message : `Kinesis Data Streams ${operation} failed (${code === 'UPSTREAM_ERROR' ? awsErrorName(err) || 'error' : code.toLowerCase()}).`,
  );
}
