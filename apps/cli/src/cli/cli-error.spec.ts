import { CliError, toCliError, usageError } from './cli-error';

const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

describe('toCliError', () => {
  it('keeps a CliError as it is', () => {
    const error = usageError('bad');
    expect(toCliError(error)).toBe(error);
    expect(error.exitCode).toBe(2);
  });

  it('makes ResourceNotFoundException exit code 3 with what to check', () => {
    const error = toCliError(awsError('ResourceNotFoundException', 'Stream x not found'));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('tributary streams');
  });

  it('finds a network failure in the causes the SDK wraps it in', () => {
    const wrapped = new Error('The pending stream has been canceled', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const error = toCliError(wrapped, 'Kinesis');
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(1);
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('cannot reach the endpoint for Kinesis: connect ECONNREFUSED 127.0.0.1:9 (check --endpoint-url and --region, or that the emulator runs)');
  });

  it('says how to give credentials when they are missing or refused', () => {
    expect(toCliError(awsError('UnrecognizedClientException', 'bad token')).message).toMatch(/--profile/);
    expect(toCliError(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })).message).toMatch(/AWS_PROFILE/);
  });

  it('names other AWS errors and marks throttling retriable', () => {
    expect(toCliError(awsError('ValidationException', 'nope')).message).toBe('ValidationException: nope');
    expect(toCliError(awsError('LimitExceededException', 'slow down')).retriable).toBe(true);
  });
});
