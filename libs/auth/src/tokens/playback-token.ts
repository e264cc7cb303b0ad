/**
 * Short-lived playback tokens for the playback gateway: an HS256 JWT (compact, URL-safe: base64url segments and
 * dots, so it fits in a query string) bound to one stream name and expiring after `ttlSeconds`. The gateway stays
 * stateless: any instance holding the key verifies any token, nothing is stored.
 *
 *   header  {"alg":"HS256","typ":"trb-playback+jwt"}
 *   payload {"aud":"tributary:playback","str":"<stream>","scope":"…","ses":"…","iat":…,"exp":…}
 *
 * `ses` (optional) is an opaque session string the issuer wants back with every request — the gateway puts the
 * KVS HLS session URL there, so that any instance can serve a proxied session without a session store. It is
 * signed, not encrypted: whoever holds the token can read it, so it must be nothing the holder may not see.
 *
 * The explicit `typ` and fixed `aud` (RFC 8725 §3.11, §3.9) keep any other JWT signed with the same key from
 * passing for a playback token, and a playback token from passing as an API bearer token.
 */
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { systemClock, type Clock } from '@tributary/runtime';
import { AUTH_DEFAULTS } from '../defaults';
import { AuthError } from '../errors';
import { classifyJoseError } from './jwt-verifier';
import { SCOPE_PATTERN } from './scopes';

/** HMAC key: at least 32 bytes (RFC 7518 §3.2); a string is taken as UTF-8. */
export type PlaybackTokenKey = string | Uint8Array;

export interface PlaybackTokenRequest {
  streamName: string;
  scopes?: readonly string[];
  ttlSeconds: number;
  /** Opaque, signed (not encrypted) session data carried by the token; at most `playbackMaxSessionChars`. */
  session?: string;
}

export interface PlaybackGrant {
  streamName: string;
  scopes: readonly string[];
  /** Epoch milliseconds. */
  issuedAt: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The `session` given to signPlaybackToken, if any. */
  session?: string;
}

export interface PlaybackTokenOptions {
  clock?: Clock;
}

export interface VerifyPlaybackTokenOptions extends PlaybackTokenOptions {
  /** The stream being accessed: a token for any other stream fails with WRONG_STREAM. */
  streamName?: string;
  /** Skew allowed on `exp`/`iat`; 0 by default, since the gateway issues and checks with the same clock. */
  clockToleranceSeconds?: number;
}

/** Kinesis Video Streams' stream name rule (1–256 of `[a-zA-Z0-9_.-]`). */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;

function keyBytes(key: PlaybackTokenKey): Uint8Array {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  if (bytes.byteLength < AUTH_DEFAULTS.minHmacKeyBytes) {
    throw new AuthError('INVALID_OPTIONS', `a playback token key needs at least ${AUTH_DEFAULTS.minHmacKeyBytes} bytes`);
  }
  return bytes;
}

export async function signPlaybackToken(
  request: PlaybackTokenRequest,
  key: PlaybackTokenKey,
  options: PlaybackTokenOptions = {},
): Promise<string> {
  const { streamName, ttlSeconds } = request;
  if (!STREAM_NAME.test(streamName)) throw new AuthError('INVALID_OPTIONS', `invalid stream name ${JSON.stringify(streamName)}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > AUTH_DEFAULTS.playbackMaxTtlSeconds) {
    throw new AuthError('INVALID_OPTIONS', `ttlSeconds must be an integer from 1 to ${AUTH_DEFAULTS.playbackMaxTtlSeconds}`);
  }
  const scopes = request.scopes ?? [];
  for (const scope of scopes) {
    if (!SCOPE_PATTERN.test(scope)) throw new AuthError('INVALID_OPTIONS', `invalid scope ${JSON.stringify(scope)}`);
  }
  const session = request.session;
  if (session !== undefined && (session === '' || session.length > AUTH_DEFAULTS.playbackMaxSessionChars)) {
    throw new AuthError('INVALID_OPTIONS', `session must be 1 to ${AUTH_DEFAULTS.playbackMaxSessionChars} characters`);
  }
  const now = Math.floor((options.clock ?? systemClock).now() / 1000);
  const claims: JWTPayload = { str: streamName };
  if (scopes.length > 0) claims['scope'] = scopes.join(' ');
  if (session !== undefined) claims['ses'] = session;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: AUTH_DEFAULTS.playbackType })
    .setAudience(AUTH_DEFAULTS.playbackAudience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(keyBytes(key));
}

/**
 * Verifies signature, type, audience and expiry; then, if `options.streamName` is given, that the token was
 * issued for that stream. Throws AuthError: INVALID_CREDENTIALS (tampered, malformed, wrong key),
 * EXPIRED_CREDENTIALS, WRONG_STREAM.
 */
export async function verifyPlaybackToken(
  token: string,
  key: PlaybackTokenKey,
  options: VerifyPlaybackTokenOptions = {},
): Promise<PlaybackGrant> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyBytes(key), {
      algorithms: ['HS256'],
      typ: AUTH_DEFAULTS.playbackType,
      audience: AUTH_DEFAULTS.playbackAudience,
      requiredClaims: ['exp', 'iat', 'str'],
      clockTolerance: options.clockToleranceSeconds ?? 0,
      currentDate: new Date((options.clock ?? systemClock).now()),
    }));
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw classifyJoseError(err, false) ?? err;
  }
  const streamName = payload['str'];
  if (typeof streamName !== 'string') throw new AuthError('INVALID_CREDENTIALS', 'playback token without a stream name');
  if (options.streamName !== undefined && options.streamName !== streamName) {
    throw new AuthError('WRONG_STREAM', `the token is for another stream than ${JSON.stringify(options.streamName)}`);
  }
  const scope = payload['scope'];
  const session = payload['ses'];
  if (session !== undefined && typeof session !== 'string') throw new AuthError('INVALID_CREDENTIALS', 'playback token with a malformed session');
  return {
    streamName,
    scopes: typeof scope === 'string' && scope !== '' ? scope.split(' ') : [],
    issuedAt: (payload.iat as number) * 1000,
    expiresAt: (payload.exp as number) * 1000,
    ...(session !== undefined ? { session } : {}),
  };
}
