// Public entry point of @tributary/errors: the one error base of every lib (code, retriable, cause; instanceof
// across bundles) and the one classifier of AWS failures, with each service's additions as data. Pure: no I/O.
// Error fakes for tests are behind the second entry, @tributary/errors/testing.
export { TributaryError, isRetriableError, type TributaryErrorOptions } from './base/tributary-error';
export {
  classifyCallError,
  classifyEntryError,
  isNetworkErrorCode,
  awsErrorName,
  isAwsError,
  httpStatusOf,
  type ClassifiedFailure,
  type ClassifiedCallFailure,
} from './aws/aws-error-classifier';
export { AWS_ERRORS, DYNAMODB_ERRORS, KINESIS_VIDEO_ERRORS, NETWORK_ERRORS, type AwsErrorTable, type FailureKind } from './aws/aws-error-tables';
