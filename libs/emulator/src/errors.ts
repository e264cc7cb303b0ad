/**
 * Errors the emulator sends to AWS clients. The `code` is AWS's exception name (it becomes `__type` and
 * `x-amzn-ErrorType`), the message is AWS's wording where known (kds-reference.md §1.1), and `status` is the
 * HTTP status AWS answers with. `retriable` mirrors how the SDKs classify the error (smithy
 * service-error-classification: throttling and 5xx are retried).
 */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly retriable = false,
    /** The JSON body's name for the message: AWS writes `Message` for a SerializationException, `message` otherwise. */
    readonly messageKey: 'message' | 'Message' = 'message',
  ) {
    super(message);
  }
}

const make =
  (code: string, status = 400, retriable = false, messageKey: 'message' | 'Message' = 'message') =>
  (message: string) =>
    new AwsServiceError(code, message, status, retriable, messageKey);

/** Factories named after AWS's exceptions, so call sites read like the API reference. */
export const awsErrors = {
  validation: make('ValidationException'),
  invalidArgument: make('InvalidArgumentException'),
  resourceNotFound: make('ResourceNotFoundException'),
  resourceInUse: make('ResourceInUseException'),
  limitExceeded: make('LimitExceededException', 400, true),
  throughputExceeded: make('ProvisionedThroughputExceededException', 400, true),
  expiredIterator: make('ExpiredIteratorException'),
  expiredNextToken: make('ExpiredNextTokenException'),
  serialization: make('SerializationException', 400, false, 'Message'),
  unknownOperation: make('UnknownOperationException'),
  accessDenied: make('AccessDeniedException'),
  internalFailure: make('InternalFailure', 500, true),
  requestTooLarge: make('RequestEntityTooLargeException', 413),
  /** The client took too long to send its request; retried by the SDKs like a transient network failure. */
  requestTimeout: make('RequestTimeoutException', 408, true),
} as const;
