/**
 * The lib's one error class (conventions.md §8). What each code means for an HTTP answer lives in one table,
 * `AUTH_ERROR_CLASSES`, so that the middleware and any other transport classify alike (conventions.md §9).
 *
 * Everything is final (retriable: false) except KEY_SOURCE_UNAVAILABLE: when the JWKS endpoint cannot be
 * reached the client's credentials may be perfectly good, so the answer is 503 and worth retrying, not a 401
 * that tells the client to throw its token away.
 */
import { TributaryError } from '@tributary/errors';

export type AuthErrorCode =
  | 'MISSING_CREDENTIALS'
  | 'INVALID_CREDENTIALS'
  | 'EXPIRED_CREDENTIALS'
  | 'AMBIGUOUS_CREDENTIALS'
  | 'INSUFFICIENT_SCOPE'
  | 'WRONG_STREAM'
  | 'KEY_SOURCE_UNAVAILABLE'
  | 'INVALID_KEY_STORE'
  | 'INVALID_OPTIONS';

export interface AuthErrorClass {
  status: number;
  /** Short, fixed summary of the problem type (RFC 9457 §3.1.3). */
  title: string;
  retriable: boolean;
}

export const AUTH_ERROR_CLASSES: Readonly<Record<AuthErrorCode, AuthErrorClass>> = {
  MISSING_CREDENTIALS: { status: 401, title: 'Authentication required', retriable: false },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials', retriable: false },
  EXPIRED_CREDENTIALS: { status: 401, title: 'Expired credentials', retriable: false },
  // RFC 6750 §3.1 invalid_request: more than one way of sending credentials in one request.
  AMBIGUOUS_CREDENTIALS: { status: 400, title: 'More than one credential', retriable: false },
  INSUFFICIENT_SCOPE: { status: 403, title: 'Insufficient scope', retriable: false },
  WRONG_STREAM: { status: 403, title: 'Token not valid for this stream', retriable: false },
  KEY_SOURCE_UNAVAILABLE: { status: 503, title: 'Key source unavailable', retriable: true },
  INVALID_KEY_STORE: { status: 500, title: 'Invalid API key store', retriable: false },
  INVALID_OPTIONS: { status: 500, title: 'Invalid auth options', retriable: false },
};

export class AuthError extends TributaryError<AuthErrorCode> {
  static override readonly brand: string = 'tributary.auth.AuthError';
  override readonly name = 'AuthError';
  readonly status: number;
  /** For INSUFFICIENT_SCOPE: the scopes the request needed (named in the 403 challenge). */
  readonly requiredScopes: readonly string[];
  constructor(code: AuthErrorCode, message: string, options: { cause?: unknown; requiredScopes?: readonly string[] } = {}) {
    const cls = AUTH_ERROR_CLASSES[code];
    super(code, message, cls.retriable, { cause: options.cause });
    this.status = cls.status;
    this.requiredScopes = options.requiredScopes ?? [];
  }
}
