/**
 * Credentials from HTTP headers → a Principal, independent of any web framework (the Express middleware is a
 * thin wrapper over it). Accepted:
 *
 *   Authorization: Bearer <jwt>        verified by the JWT verifier
 *   Authorization: Bearer trb_…        an API key sent as a bearer token (what most HTTP clients can do)
 *   Authorization: ApiKey trb_…        an API key
 *   X-Api-Key: trb_…                   an API key
 *
 * Scheme names are case-insensitive (RFC 9110 §11.1). Credentials sent two ways at once are refused
 * (RFC 6750 §2: "Clients MUST NOT use more than one method"), since which one wins would be a guess.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { looksLikeApiKey } from './api-keys/api-key';
import { verifyApiKey, type ApiKeyStore } from './api-keys/api-key-store';
import { AuthError } from './errors';
import { JwtVerifier, type JwtVerifierOptions } from './tokens/jwt-verifier';
import type { Principal } from './tokens/principal';

export interface AuthenticatorOptions {
  apiKeys?: ApiKeyStore;
  jwt?: JwtVerifier | JwtVerifierOptions;
}

export type Credential =
  | { scheme: 'api-key'; value: string }
  | { scheme: 'bearer'; value: string }
  | { scheme: 'other'; name: string }
  | { scheme: 'none' };

/** RFC 9110 §11.2 token (the scheme) then the credentials. */
const AUTHORIZATION = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:[ \t]+(.*))?$/;
/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export class Authenticator {
  readonly apiKeys: ApiKeyStore | undefined;
  readonly jwt: JwtVerifier | undefined;

  constructor(options: AuthenticatorOptions) {
    if (!options.apiKeys && !options.jwt) throw new AuthError('INVALID_OPTIONS', 'authenticate needs apiKeys, jwt or both');
    this.apiKeys = options.apiKeys;
    this.jwt = options.jwt === undefined || options.jwt instanceof JwtVerifier ? options.jwt : new JwtVerifier(options.jwt);
  }

  /** Which credential the request carries; throws AMBIGUOUS_CREDENTIALS if more than one. */
  extract(headers: IncomingHttpHeaders): Credential {
    const apiKeyHeader = headers['x-api-key'];
    const authorization = headers.authorization;
    if (apiKeyHeader !== undefined && authorization !== undefined) {
      throw new AuthError('AMBIGUOUS_CREDENTIALS', 'send either X-Api-Key or Authorization, not both');
    }
    if (apiKeyHeader !== undefined) {
      // Node joins repeated X-Api-Key headers with ", ", which no key contains.
      const value = Array.isArray(apiKeyHeader) ? apiKeyHeader.join(', ') : apiKeyHeader;
      if (value.includes(',')) throw new AuthError('AMBIGUOUS_CREDENTIALS', 'more than one X-Api-Key header');
      return { scheme: 'api-key', value: value.trim() };
    }
    if (authorization === undefined) return { scheme: 'none' };
    const m = AUTHORIZATION.exec(authorization.trim());
    if (!m) return { scheme: 'other', name: '' };
    const scheme = (m[1] as string).toLowerCase();
    const value = (m[2] ?? '').trim();
    if (scheme === 'apikey') return { scheme: 'api-key', value };
    if (scheme === 'bearer') return looksLikeApiKey(value) ? { scheme: 'api-key', value } : { scheme: 'bearer', value };
    return { scheme: 'other', name: m[1] as string };
  }

  async verify(credential: Credential): Promise<Principal> {
    switch (credential.scheme) {
      case 'none':
        throw new AuthError('MISSING_CREDENTIALS', 'no credentials: send Authorization: Bearer <token> or X-Api-Key: <key>');
      case 'other':
        throw new AuthError('INVALID_CREDENTIALS', `unsupported authorization scheme ${JSON.stringify(credential.name)}`);
      case 'api-key':
        if (!this.apiKeys) throw new AuthError('INVALID_CREDENTIALS', 'API keys are not accepted here');
        return verifyApiKey(credential.value, this.apiKeys);
      case 'bearer':
        if (!this.jwt) throw new AuthError('INVALID_CREDENTIALS', 'bearer tokens are not accepted here');
        if (!B64TOKEN.test(credential.value)) throw new AuthError('INVALID_CREDENTIALS', 'malformed bearer token');
        return this.jwt.verify(credential.value);
    }
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    return this.verify(this.extract(headers));
  }
}
