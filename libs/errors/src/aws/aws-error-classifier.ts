/**
 * What a failure of an AWS call means, the one classifier every lib and app uses (smithy
 * service-error-classification; conventions.md §9). The tables are data (aws-error-tables.ts); a service passes
 * its own names (DYNAMODB_ERRORS, KINESIS_VIDEO_ERRORS) and they are read first.
 *
 * Per-entry PutRecords errors carry an `ErrorCode` (kds-reference.md §1.1); whole-call failures are SDK service
 * exceptions (by `name`), HTTP statuses, or Node network errors (by errno `code`). Anything unknown is
 * `transient`: its caller's time-to-live or retry budget bounds the retries, and the failure is then reported,
 * never silently dropped. TypeError and RangeError are bugs, never retried.
 */
import { AWS_ERRORS, ERROR_NAMES, NETWORK_ERRORS, rowOf, type AwsErrorTable, type FailureKind } from './aws-error-tables';

export interface ClassifiedFailure {
  kind: FailureKind;
  /** An AWS error name, an errno code, `HTTP_<status>`, or the error's name. */
  code: string;
  message: string;
}

/** A whole-call failure: the entry fields plus what callers branch on. */
export interface ClassifiedCallFailure extends ClassifiedFailure {
  /** The HTTP status of the service's answer, when there was one. */
  status?: number;
  /** Worth trying again later (throttled or transient). */
  retriable: boolean;
  /** The service said slow down: back off and reduce the rate, not just retry. */
  throttling: boolean;
}

/** Whether `code` is a Node network error (errno, undici or HTTP/2 code) of a call that failed on its way. */
export function isNetworkErrorCode(code: string): boolean {
  return Object.hasOwn(NETWORK_ERRORS, code);
}

/** A PutRecords entry's ErrorCode. */
export function classifyEntryError(errorCode: string, errorMessage = ''): ClassifiedFailure {
  return { kind: rowOf(AWS_ERRORS, errorCode) ?? 'transient', code: errorCode, message: errorMessage };
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $fault?: unknown;
  cause?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
}

/** The AWS error name (`ResourceNotFoundException`) of an SDK error, or '' for anything else. */
export function awsErrorName(error: unknown): string {
  const name = asErrorLike(error).name;
  return typeof name === 'string' ? name : '';
}

/** Whether `error` is the AWS error `name` (by name: SDK classes differ between bundles and client versions). */
export function isAwsError(error: unknown, name: string): boolean {
  return awsErrorName(error) === name;
}

/** The HTTP status of the service's answer, when the SDK recorded one. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = asErrorLike(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function withFlags(failure: ClassifiedFailure, status: number | undefined): ClassifiedCallFailure {
  return {
    ...failure,
    ...(status === undefined ? {} : { status }),
    retriable: failure.kind !== 'permanent',
    throttling: failure.kind === 'throttled',
  };
}

/**
 * A whole-call failure (the promise of client.send rejected). `service` is the calling service's own table
 * (DYNAMODB_ERRORS, KINESIS_VIDEO_ERRORS), read before the general one.
 */
export function classifyCallError(error: unknown, service?: AwsErrorTable): ClassifiedCallFailure {
  const status = httpStatusOf(error);
  return withFlags(classifyWithoutFlags(error, service, status), status);
}

function classifyWithoutFlags(error: unknown, service: AwsErrorTable | undefined, status: number | undefined): ClassifiedFailure {
  const e = asErrorLike(error);
  const message = typeof e.message === 'string' ? e.message : String(error);
  const name = awsErrorName(error);
  const byName = (service && rowOf(service, name)) ?? rowOf(AWS_ERRORS, name);
  if (byName) return { kind: byName, code: name, message };
  const errno = typeof e.code === 'string' ? e.code : '';
  const byErrno = rowOf(NETWORK_ERRORS, errno);
  if (byErrno) return { kind: byErrno, code: errno, message };
  if (status !== undefined) {
    if (status === 429) return { kind: 'throttled', code: name || 'HTTP_429', message };
    if (status >= 500) return { kind: 'transient', code: name || `HTTP_${status}`, message };
    if (e.$fault === 'client' && status >= 400) return { kind: 'permanent', code: name || `HTTP_${status}`, message };
  }
  // Errors wrapped by the SDK (e.g. a socket error as the cause of a service error) keep their cause's meaning.
  if (e.cause !== undefined && e.cause !== error) {
    const inner = classifyWithoutFlags(e.cause, service, httpStatusOf(e.cause));
    if (inner.code !== 'Error') return inner;
  }
  const byErrorName = rowOf(ERROR_NAMES, name);
  if (byErrorName) return { kind: byErrorName, code: name, message };
  // Some wrappers keep only the text (the SDK's retry middleware wraps a value that is not `instanceof Error`,
  // e.g. a socket error from another realm, as "AWS SDK error wrapper for Error: connect ECONNREFUSED …").
  // The first *known* code in the text: the SDK's wrapper can name an unknown one first ("ERR_HTTP2_STREAM_CANCEL …
  // (caused by: connect ECONNREFUSED …)").
  for (const [, inMessage] of message.matchAll(/\b(E[A-Z]{3,}|ERR_HTTP2_[A-Z_]+)\b/g)) {
    const byMessage = rowOf(NETWORK_ERRORS, inMessage);
    if (byMessage) return { kind: byMessage, code: inMessage, message };
  }
  return { kind: 'transient', code: errno || name || 'Error', message };
}
