import { AUTH_ERROR_CLASSES, AuthError, type AuthErrorCode } from './errors';
import { problemFromAuthError } from './http/problem-details';

describe('AuthError and its problem document', () => {
  it.each<[AuthErrorCode, number, boolean, string, string]>([
    ['MISSING_CREDENTIALS', 401, false, 'Unauthorized', 'Authentication required'],
    ['INVALID_CREDENTIALS', 401, false, 'Unauthorized', 'Invalid credentials'],
    ['EXPIRED_CREDENTIALS', 401, false, 'Unauthorized', 'Expired credentials'],
    ['AMBIGUOUS_CREDENTIALS', 400, false, 'Bad Request', 'More than one credential'],
    ['INSUFFICIENT_SCOPE', 403, false, 'Forbidden', 'Insufficient scope'],
    ['WRONG_STREAM', 403, false, 'Forbidden', 'Token not valid for this stream'],
    ['KEY_SOURCE_UNAVAILABLE', 503, true, 'Service Unavailable', 'Key source unavailable'],
    ['INVALID_KEY_STORE', 500, false, 'Internal Server Error', 'Invalid API key store'],
    ['INVALID_OPTIONS', 500, false, 'Internal Server Error', 'Invalid auth options'],
  ])('%s → %d, retriable %s', (code, status, retriable, phrase, title) => {
    const err = new AuthError(code, 'what happened', { cause: new Error('root') });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AuthError');
    expect([err.code, err.status, err.retriable]).toEqual([code, status, retriable]);
    expect((err.cause as Error).message).toBe('root');
    expect(problemFromAuthError(err)).toEqual({ type: 'about:blank', title: phrase, status, detail: 'what happened', code });
    expect(problemFromAuthError(err, { typeBase: 'https://docs.example.com/problems/' })).toEqual({
      type: `https://docs.example.com/problems/${code.toLowerCase().replace(/_/g, '-')}`,
      title,
      status,
      detail: 'what happened',
      code,
    });
  });

  it('the table covers every code', () => {
    expect(Object.keys(AUTH_ERROR_CLASSES)).toHaveLength(9);
  });
});
