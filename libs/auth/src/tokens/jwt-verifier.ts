/**
 * Bearer JWT verification with jose: HS256 with a shared secret, RS256 with a PEM public key (SPKI or an X.509
 * certificate), or any key of a JWKS URL (an identity provider's, with rotation by `kid`).
 *
 * Safe by default (RFC 8725, JWT best current practice): the algorithm list is fixed by the key type, never taken
 * from the token (no `alg: none`, no RS256/HS256 confusion); `aud` is always checked, `exp` is required; the
 * clock is injectable and the skew tolerance explicit. Lifetimes are bounded (`maxTokenAgeSeconds`, 24 h by
 * default): `iat` is required, a token older than the bound or issued for longer than it is refused, and so is an
 * `iat` in the future beyond the tolerance.
 */
import {
  createRemoteJWKSet,
  customFetch,
  importSPKI,
  importX509,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { AUTH_DEFAULTS } from '../defaults';
import { AuthError, type AuthErrorCode } from '../errors';
import type { Clock } from '@tributary/runtime';
import type { Principal } from './principal';
import { scopesFromClaims } from './scopes';

export type JwtKeySource =
  | { type: 'hs256'; secret: string | Uint8Array }
  | { type: 'rs256'; publicKeyPem: string }
  | {
      type: 'jwks';
      url: string | URL;
      /** Accepted algorithms; RS256 unless listed. */
      algorithms?: readonly string[];
      timeoutMs?: number;
      cooldownMs?: number;
      cacheMaxAgeMs?: number;
      /** HTTP client for the JWKS fetch; global fetch by default. */
      fetch?: (url: string, init: RequestInit) => Promise<Response>;
    };

export interface JwtVerifierOptions {
  key: JwtKeySource;
  /** Accepted `aud` values: required, because a token minted for another service must not pass here. */
  audience: string | readonly string[];
  /** Accepted `iss` values; required with a JWKS, where one provider serves many tenants and apps. */
  issuer?: string | readonly string[];
  clockToleranceSeconds?: number;
  /**
   * Longest age (now − `iat`) and lifetime (`exp` − `iat`) of an accepted token; AUTH_DEFAULTS.jwtMaxTokenAgeSeconds
   * by default. 0: no bound, and `iat` is not required (for issuers that omit it).
   */
  maxTokenAgeSeconds?: number;
  clock?: Clock;
  /** Claims that must be present; `['exp']` by default. */
  requiredClaims?: readonly string[];
}

/**
 * jose's error codes → ours. Unknown errors from a JWKS source (DNS, connection refused, TLS) are "unavailable";
 * unknown errors elsewhere are bugs and propagate.
 */
const JOSE_CODES: Readonly<Record<string, AuthErrorCode>> = {
  ERR_JWT_EXPIRED: 'EXPIRED_CREDENTIALS',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'INVALID_CREDENTIALS',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'INVALID_CREDENTIALS',
  ERR_JWS_INVALID: 'INVALID_CREDENTIALS',
  ERR_JWT_INVALID: 'INVALID_CREDENTIALS',
  ERR_JOSE_ALG_NOT_ALLOWED: 'INVALID_CREDENTIALS',
  ERR_JOSE_NOT_SUPPORTED: 'INVALID_CREDENTIALS',
  ERR_JWKS_NO_MATCHING_KEY: 'INVALID_CREDENTIALS',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'INVALID_CREDENTIALS',
  ERR_JWKS_TIMEOUT: 'KEY_SOURCE_UNAVAILABLE',
  ERR_JWKS_INVALID: 'KEY_SOURCE_UNAVAILABLE',
  ERR_JWK_INVALID: 'KEY_SOURCE_UNAVAILABLE',
};

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'signature verification failed',
  ERR_JOSE_ALG_NOT_ALLOWED: 'token algorithm not allowed',
  ERR_JWKS_NO_MATCHING_KEY: 'no key of the key set matches the token',
  ERR_JWKS_TIMEOUT: 'timed out fetching the key set',
};

export function classifyJoseError(err: unknown, remote: boolean): AuthError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in JOSE_CODES) {
    const ours = JOSE_CODES[code] as AuthErrorCode;
    // jose reports an `iat` older than maxTokenAge as expired too; say which bound it was.
    if (code === 'ERR_JWT_EXPIRED' && (err as { claim?: unknown }).claim === 'iat') {
      return new AuthError(ours, 'the token is older than the maximum token age', { cause: err });
    }
    return new AuthError(ours, DESCRIPTIONS[code] ?? (err as Error).message, { cause: err });
  }
  // ERR_JOSE_GENERIC from the JWKS fetch (non-200, not JSON) and network errors (fetch's TypeError).
  if (remote) return new AuthError('KEY_SOURCE_UNAVAILABLE', 'could not fetch the key set', { cause: err });
  if (code === 'ERR_JOSE_GENERIC') return new AuthError('INVALID_CREDENTIALS', (err as Error).message, { cause: err });
  return undefined;
}

export class JwtVerifier {
  private readonly key: Promise<CryptoKey | Uint8Array> | JWTVerifyGetKey;
  private readonly remote: boolean;
  private readonly base: JWTVerifyOptions;
  private readonly clock: Clock | undefined;
  private readonly maxTokenAgeSeconds: number;
  private readonly toleranceSeconds: number;

  constructor(options: JwtVerifierOptions) {
    const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
    if (audience.length === 0) throw new AuthError('INVALID_OPTIONS', 'audience must name at least one value');
    const source = options.key;
    this.remote = source.type === 'jwks';
    let algorithms: string[];
    switch (source.type) {
      case 'hs256': {
        const secret = typeof source.secret === 'string' ? new TextEncoder().encode(source.secret) : source.secret;
        if (secret.byteLength < AUTH_DEFAULTS.minHmacKeyBytes) {
          throw new AuthError('INVALID_OPTIONS', `an HS256 secret needs at least ${AUTH_DEFAULTS.minHmacKeyBytes} bytes (RFC 7518 §3.2)`);
        }
        this.key = Promise.resolve(secret);
        algorithms = ['HS256'];
        break;
      }
      case 'rs256': {
        const pem = source.publicKeyPem.trim();
        const imported = pem.includes('BEGIN CERTIFICATE') ? importX509(pem, 'RS256') : importSPKI(pem, 'RS256');
        // Imported once; a bad PEM surfaces on the first verify as INVALID_OPTIONS (and here, if awaited).
        this.key = imported.catch((err: unknown) => {
          throw new AuthError('INVALID_OPTIONS', `cannot import the RS256 public key: ${(err as Error).message}`, { cause: err });
        });
        this.key.catch(() => undefined);
        algorithms = ['RS256'];
        break;
      }
      case 'jwks': {
        if (options.issuer === undefined) throw new AuthError('INVALID_OPTIONS', 'issuer is required with a JWKS key source');
        const url = typeof source.url === 'string' ? new URL(source.url) : source.url;
        this.key = createRemoteJWKSet(url, {
          timeoutDuration: source.timeoutMs ?? AUTH_DEFAULTS.jwksTimeoutMs,
          cooldownDuration: source.cooldownMs ?? AUTH_DEFAULTS.jwksCooldownMs,
          cacheMaxAge: source.cacheMaxAgeMs ?? AUTH_DEFAULTS.jwksCacheMaxAgeMs,
          ...(source.fetch ? { [customFetch]: source.fetch } : {}),
        });
        algorithms = [...(source.algorithms ?? AUTH_DEFAULTS.jwksAlgorithms)];
        break;
      }
    }
    this.clock = options.clock;
    const maxAge = options.maxTokenAgeSeconds ?? AUTH_DEFAULTS.jwtMaxTokenAgeSeconds;
    if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new AuthError('INVALID_OPTIONS', 'maxTokenAgeSeconds must be a whole number of seconds, 0 or more');
    this.maxTokenAgeSeconds = maxAge;
    this.toleranceSeconds = options.clockToleranceSeconds ?? AUTH_DEFAULTS.clockToleranceSeconds;
    this.base = {
      algorithms,
      audience,
      clockTolerance: this.toleranceSeconds,
      requiredClaims: [...(options.requiredClaims ?? AUTH_DEFAULTS.requiredClaims)],
      // jose then requires `iat`, refuses one older than this (plus the tolerance) or in the future (beyond it).
      ...(maxAge > 0 ? { maxTokenAge: maxAge } : {}),
    };
    if (options.issuer !== undefined) this.base.issuer = typeof options.issuer === 'string' ? options.issuer : [...options.issuer];
  }

  /** Resolves the key now (RS256 PEM import), so that a bad key fails at start-up rather than on the first request. */
  async ready(): Promise<void> {
    if (typeof this.key !== 'function') await this.key;
  }

  async verify(token: string): Promise<Principal> {
    const options: JWTVerifyOptions = this.clock ? { ...this.base, currentDate: new Date(this.clock.now()) } : this.base;
    let payload: JWTPayload;
    try {
      if (typeof this.key === 'function') {
        payload = (await jwtVerify(token, this.key, options)).payload;
      } else {
        payload = (await jwtVerify(token, await this.key, options)).payload;
      }
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const classified = classifyJoseError(err, this.remote);
      if (classified) throw classified;
      throw err;
    }
    this.checkLifetime(payload, options.currentDate);
    const principal: Principal = {
      kind: 'jwt',
      subject: typeof payload.sub === 'string' ? payload.sub : '',
      scopes: scopesFromClaims(payload),
      claims: payload,
    };
    if (typeof payload.exp === 'number') principal.expiresAt = payload.exp * 1000;
    return principal;
  }

  /**
   * What jose does not check: a lifetime (`exp` − `iat`) beyond the bound (jose bounds only the age, so a fresh
   * token with `exp` = 1e300 would pass), and, with the bound off, an `iat` in the future beyond the tolerance.
   */
  private checkLifetime(payload: JWTPayload, currentDate: Date | undefined): void {
    const now = (currentDate ?? new Date()).getTime() / 1000;
    if (typeof payload.iat === 'number' && payload.iat > now + this.toleranceSeconds) {
      throw new AuthError('INVALID_CREDENTIALS', '"iat" claim timestamp check failed (it should be in the past)');
    }
    if (this.maxTokenAgeSeconds > 0 && typeof payload.iat === 'number' && typeof payload.exp === 'number' && payload.exp - payload.iat > this.maxTokenAgeSeconds) {
      throw new AuthError('INVALID_CREDENTIALS', `the token's lifetime (exp - iat) exceeds the maximum of ${this.maxTokenAgeSeconds} s`);
    }
  }
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  return new JwtVerifier(options);
}
