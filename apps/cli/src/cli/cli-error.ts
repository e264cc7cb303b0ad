import { TributaryError, awsErrorName, httpStatusOf, isNetworkErrorCode } from '@tributary/errors';
import { EXIT_CODES, type ExitCode } from './exit-codes';

export type CliErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'AWS_FAILURE'
  | 'CREDENTIALS'
  | 'IO_FAILURE'
  | 'INTERRUPTED'
  | 'FAILED';

const EXIT_BY_CODE: Record<CliErrorCode, ExitCode> = {
  USAGE: EXIT_CODES.usage,
  NOT_FOUND: EXIT_CODES.notFound,
  AWS_FAILURE: EXIT_CODES.failure,
  CREDENTIALS: EXIT_CODES.failure,
  IO_FAILURE: EXIT_CODES.failure,
  INTERRUPTED: EXIT_CODES.interrupted,
  FAILED: EXIT_CODES.failure,
};

/**
 * An error a command reports to the user: a message that says what to do next, and the exit code it ends with.
 * Commands throw these; main.ts prints `tributary: <message>` on stderr and exits with `exitCode`.
 */
export class CliError extends TributaryError<CliErrorCode> {
  static override readonly brand: string = 'tributary.cli.CliError';
  readonly exitCode: ExitCode;

  constructor(code: CliErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options.retriable ?? false, { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = EXIT_BY_CODE[code];
  }
}

export function usageError(message: string): CliError {
  return new CliError('USAGE', message);
}

export function notFoundError(message: string, cause?: unknown): CliError {
  return new CliError('NOT_FOUND', message, { cause });
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'AccessDeniedException',
]);

/**
 * Turns whatever a command threw into a CliError with advice. AWS errors keep their name in the message (what
 * people search for); ResourceNotFoundException becomes exit code 3.
 */
export function toCliError(error: unknown, what = 'the request'): CliError {
  if (error instanceof CliError) return error;
  const name = awsErrorName(error);
  const fromAws = httpStatusOf(error) !== undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') {
    return notFoundError(`${message} (check the name, --region and --endpoint-url; \`tributary streams\` lists what exists)`, error);
  }
  if (name && CREDENTIAL_ERRORS.has(name)) {
    return new CliError(
      'CREDENTIALS',
      `${name}: ${message} (set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; against the emulator any key works)`,
      { cause: error },
    );
  }
  const network = networkCause(error);
  if (network !== undefined || name === 'TimeoutError') {
    const detail = network ?? message;
    return new CliError('AWS_FAILURE', `cannot reach the endpoint for ${what}: ${detail} (check --endpoint-url and --region, or that the emulator runs)`, {
      retriable: true,
      cause: error,
    });
  }
  if (name === 'ThrottlingException' || name === 'ProvisionedThroughputExceededException' || name === 'LimitExceededException') {
    return new CliError('AWS_FAILURE', `${name}: ${message} (AWS limits were hit; try again in a moment)`, { retriable: true, cause: error });
  }
  if (fromAws) return new CliError('AWS_FAILURE', `${name || 'AWS error'}: ${message}`, { cause: error });
  if (error instanceof TributaryError) return new CliError('FAILED', `${error.code}: ${message}`, { retriable: error.retriable, cause: error });
  return new CliError('FAILED', message, { cause: error });
}

/** The message of the network failure (ECONNREFUSED, ENOTFOUND, …) in an error or its causes; the SDK wraps them. */
function networkCause(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && isNetworkErrorCode(code)) return (e as { message?: string }).message ?? code;
  }
  return undefined;
}
