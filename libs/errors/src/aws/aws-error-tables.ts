/**
 * What AWS error names, Node network codes and error names mean for a retry, as data (smithy
 * service-error-classification; conventions.md §9). A service adds its own names as a table passed to the
 * classifier (DynamoDB's and Kinesis Video's below); its rows win over the general ones.
 *
 * - `throttled`: the shard, table or account is over its limit. Retry after a backoff and slow down.
 * - `transient`: the service or the network hiccuped. Retry after a backoff.
 * - `permanent`: retrying the same call cannot succeed (missing resource, access denied, bad request).
 */
export type FailureKind = 'throttled' | 'transient' | 'permanent';

/** Error name → kind; a service's additions have the same shape. */
export type AwsErrorTable = Readonly<Record<string, FailureKind>>;

/** AWS error names common to the services tributary calls (Kinesis names, also PutRecords ErrorCode values). */
export const AWS_ERRORS: AwsErrorTable = {
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
  ResourceInUseException: 'transient', // stream or table UPDATING/CREATING: usable again once ACTIVE
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

/** DynamoDB's own names (lease tables, sinks, the dashboard's reads), where they differ from or add to AWS_ERRORS. */
export const DYNAMODB_ERRORS: AwsErrorTable = {
  TransactionConflictException: 'transient',
  TransactionInProgressException: 'transient',
  ReplicatedWriteConflictException: 'transient',
  ItemCollectionSizeLimitExceededException: 'permanent',
  // A failed condition is an answer, not an outage: the caller decides what it means (a lease taken by another worker).
  ConditionalCheckFailedException: 'permanent',
  TransactionCanceledException: 'permanent',
};

/** Kinesis Video Streams' own names (control plane, PutMedia, GetMedia, archived media). */
export const KINESIS_VIDEO_ERRORS: AwsErrorTable = {
  ClientLimitExceededException: 'throttled',
  ConnectionLimitExceededException: 'throttled',
  NotAuthorizedException: 'permanent',
  InvalidEndpointException: 'transient', // a new GetDataEndpoint answer fixes it
  DeviceStreamLimitExceededException: 'permanent',
  AccountStreamLimitExceededException: 'permanent',
  NoDataRetentionException: 'permanent',
  UnsupportedStreamMediaTypeException: 'permanent',
  MissingCodecPrivateDataException: 'permanent',
  InvalidCodecPrivateDataException: 'permanent',
  VersionMismatchException: 'permanent',
  // PutMedia's pre-200 answers (kvs-reference.md §1.3 CommonErrors, §3.2): the request cannot pass as sent.
  InvalidClientTokenId: 'permanent',
  MissingAuthenticationToken: 'permanent',
  IncompleteSignature: 'permanent',
  UnknownOperationException: 'permanent',
};

/** Node network errors (errno / undici / http2 codes): the request may not have reached the service. */
export const NETWORK_ERRORS: AwsErrorTable = {
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

/** By error `name` when no AWS name, errno code or HTTP status matched. */
export const ERROR_NAMES: AwsErrorTable = {
  TimeoutError: 'transient',
  AbortError: 'transient',
  TypeError: 'permanent', // a bug: never retried
  RangeError: 'permanent',
  SyntaxError: 'transient', // a truncated answer the SDK could not parse
};

/** A table's own row for a name from the wire, never Object.prototype's (`constructor`, `__proto__`, …). */
export function rowOf(table: AwsErrorTable, key: string): FailureKind | undefined {
  return key !== '' && Object.hasOwn(table, key) ? table[key] : undefined;
}
