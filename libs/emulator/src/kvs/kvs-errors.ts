/**
 * The exceptions Kinesis Video Streams answers with (kvs-reference.md §1.3): names and status codes from the three
 * service models (control plane, media, archived media), so the SDK clients raise their modelled exception
 * classes. Messages are AWS's wording where one was observed, else plain descriptions.
 */
import { AwsServiceError } from '../errors';

const make =
  (code: string, status = 400, retriable = false) =>
  (message: string) =>
    new AwsServiceError(code, message, status, retriable);

export const kvsErrors = {
  invalidArgument: make('InvalidArgumentException'),
  resourceNotFound: make('ResourceNotFoundException', 404),
  resourceInUse: make('ResourceInUseException'),
  versionMismatch: make('VersionMismatchException'),
  notAuthorized: make('NotAuthorizedException', 401),
  clientLimitExceeded: make('ClientLimitExceededException', 400, true),
  connectionLimitExceeded: make('ConnectionLimitExceededException', 400, true),
  accountStreamLimitExceeded: make('AccountStreamLimitExceededException'),
  tagsPerResourceExceededLimit: make('TagsPerResourceExceededLimitException'),
  invalidResourceFormat: make('InvalidResourceFormatException'),
  noDataRetention: make('NoDataRetentionException'),
  serialization: make('SerializationException'),
  internalFailure: make('InternalFailure', 500, true),
} as const;

/** Observed verbatim for an unknown stream on DescribeStream (producer-c #139) and used for every "which stream?" miss. */
export const STREAM_NOT_FOUND = 'The requested stream is not found or not active.';

/** The namespace the real service appends to `x-amzn-ErrorType` (`<Name>:<namespace>`, aws-sdk-ios #3420). */
export const KVS_ERROR_NAMESPACE = 'https://kinesisvideo.amazonaws.com/doc/2017-09-30/';
