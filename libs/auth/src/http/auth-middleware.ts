/**
 * Express 5 middleware over the Authenticator:
 *
 *   app.use(authenticate({ apiKeys, jwt }));            401 unless the request carries valid credentials
 *   app.post('/records', requireScope('telemetry:write'), handler);   403 unless the principal has the scope
 *   app.get('/streams/:name', requireScope((req) => `stream:${req.params.name}:read`), handler);
 *
 * Refusals are RFC 9457 problem documents with RFC 6750-style `WWW-Authenticate` challenges: on a 401 every
 * accepted scheme is offered (and the failing one says why: `error="invalid_token"`); on a 403 the challenge
 * names the missing scope (`error="insufficient_scope", scope="…"`).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Authenticator, type AuthenticatorOptions, type Credential } from '../authenticator';
import { AUTH_DEFAULTS } from '../defaults';
import { authenticatedChannel, rejectedChannel, type AuthenticatedEvent, type RejectedEvent } from '../diagnostics';
import { AuthError } from '../errors';
import { noopLogger, type Logger } from '@tributary/runtime';
import type { Principal } from '../tokens/principal';
import { problemFromAuthError, sendProblem, type ProblemOptions } from './problem-details';
import { hasScope } from '../tokens/scopes';

export interface AuthenticateOptions extends AuthenticatorOptions {
  /** Realm of the challenges; "tributary" by default. */
  realm?: string;
  problems?: ProblemOptions;
  logger?: Logger;
}

interface ChallengeContext {
  realm: string;
  bearer: boolean;
  apiKey: boolean;
  problems: ProblemOptions;
  logger: Logger;
}

interface RequestAuth {
  principal: Principal;
  context: ChallengeContext;
}

// Keyed by the request object: nothing to declare on Express' types, nothing another middleware can forge.
const authenticated = new WeakMap<Request, RequestAuth>();

/** The principal `authenticate` attached to this request, if any. */
export function getPrincipal(req: Request): Principal | undefined {
  return authenticated.get(req)?.principal;
}

export function authenticate(options: AuthenticateOptions): RequestHandler {
  const authenticator = new Authenticator(options);
  const context: ChallengeContext = {
    realm: options.realm ?? AUTH_DEFAULTS.realm,
    bearer: authenticator.jwt !== undefined,
    apiKey: authenticator.apiKeys !== undefined,
    problems: options.problems ?? {},
    logger: options.logger ?? noopLogger,
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let credential: Credential = { scheme: 'none' };
    try {
      credential = authenticator.extract(req.headers);
      const principal = await authenticator.verify(credential);
      authenticated.set(req, { principal, context });
      if (authenticatedChannel.hasSubscribers) {
        authenticatedChannel.publish({ kind: principal.kind, subject: principal.subject } satisfies AuthenticatedEvent);
      }
    } catch (err) {
      // Our own misconfiguration (a bad PEM, say) is the app's 500 to log, not a problem document for the client.
      if (!(err instanceof AuthError) || (err.status >= 500 && !err.retriable)) return next(err);
      reject(res, err, context, credential.scheme === 'bearer' ? 'bearer' : credential.scheme);
      return;
    }
    next();
  };
}

/**
 * Requires every listed scope (a string, or a function of the request for per-resource scopes). Mount after
 * `authenticate`.
 */
export function requireScope(...required: Array<string | ((req: Request) => string)>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const auth = authenticated.get(req);
    if (!auth) {
      next(new AuthError('INVALID_OPTIONS', 'requireScope is mounted without authenticate before it'));
      return;
    }
    const scopes = required.map((s) => (typeof s === 'function' ? s(req) : s));
    const missing = scopes.filter((s) => !hasScope(auth.principal.scopes, s));
    if (missing.length === 0) {
      next();
      return;
    }
    const err = new AuthError('INSUFFICIENT_SCOPE', `this request needs the scope ${missing.join(' and ')}`, { requiredScopes: missing });
    reject(res, err, auth.context, auth.principal.kind === 'jwt' ? 'bearer' : 'api-key');
  };
}

function reject(res: Response, err: AuthError, ctx: ChallengeContext, scheme: RejectedEvent['scheme']): void {
  ctx.logger.debug({ code: err.code, status: err.status, scheme }, `auth: ${err.message}`);
  if (rejectedChannel.hasSubscribers) {
    rejectedChannel.publish({ code: err.code, status: err.status, scheme } satisfies RejectedEvent);
  }
  const challenges = challengesFor(err, ctx, scheme);
  if (challenges.length > 0) res.setHeader('WWW-Authenticate', challenges);
  sendProblem(res, problemFromAuthError(err, ctx.problems));
}

/** RFC 6750 §3.1 error codes, used for our ApiKey scheme too; MISSING has none (no credentials, no error). */
const CHALLENGE_ERRORS: Partial<Record<AuthError['code'], string>> = {
  INVALID_CREDENTIALS: 'invalid_token',
  EXPIRED_CREDENTIALS: 'invalid_token',
  AMBIGUOUS_CREDENTIALS: 'invalid_request',
  INSUFFICIENT_SCOPE: 'insufficient_scope',
};

/**
 * RFC 6750 §3 and RFC 9110 §11.6.1. A 401 or 400 offers every accepted scheme; the error parameters go on the
 * scheme that was tried (both, for invalid_request). A 403 challenges only the scheme the principal used.
 */
function challengesFor(err: AuthError, ctx: ChallengeContext, scheme: RejectedEvent['scheme']): string[] {
  const realm = `realm="${quotable(ctx.realm)}"`;
  const error = CHALLENGE_ERRORS[err.code];
  const params = (extra = ''): string => `, error="${error}"${extra}, error_description="${quotable(err.message)}"`;
  if (err.code === 'INSUFFICIENT_SCOPE') {
    const name = scheme === 'bearer' ? 'Bearer' : 'ApiKey';
    return [`${name} ${realm}${params(`, scope="${quotable(err.requiredScopes.join(' '))}"`)}`];
  }
  if (err.status !== 401 && err.status !== 400) return [];
  const withError = (tried: RejectedEvent['scheme']): string =>
    error !== undefined && (scheme === tried || err.code === 'AMBIGUOUS_CREDENTIALS') ? params() : '';
  const out: string[] = [];
  if (ctx.bearer) out.push(`Bearer ${realm}${withError('bearer')}`);
  if (ctx.apiKey) out.push(`ApiKey ${realm}${withError('api-key')}`);
  return out;
}

/** RFC 6750 §3: error_description and scope allow %x20-21 / %x23-5B / %x5D-7E, so no `"` or `\` or non-ASCII. */
function quotable(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}
