/** Every default of the lib in one place (conventions.md §14). */
export const AUTH_DEFAULTS = {
  /** Realm named in `WWW-Authenticate` challenges (RFC 9110 §11.5). */
  realm: 'tributary',
  /**
   * Allowed skew between the token issuer's clock and ours when checking `exp`, `nbf` and `iat`. Hosts kept by
   * NTP agree within milliseconds; 30 s covers a badly kept one without stretching a 5-minute token much.
   */
  clockToleranceSeconds: 30,
  /**
   * Longest a bearer JWT may live, in seconds: its age (now − `iat`) and its lifetime (`exp` − `iat`) must both
   * stay within it, so a token with `exp` in the year 10^300 or an `iat` a year ahead is refused, and `iat` is
   * required. 24 h: identity providers issue access tokens for 1 h (Cognito, Entra ID) up to 24 h (Auth0's API
   * default), so their tokens pass, while a leaked token is useless after a day whatever `exp` it carries.
   * 0 turns the bound off (and `iat` becomes optional), for an issuer that omits `iat`.
   */
  jwtMaxTokenAgeSeconds: 24 * 60 * 60,
  /** Claims a JWT must carry: a token without `exp` never expires, which we do not accept. */
  requiredClaims: ['exp'] as readonly string[],
  /** JWKS fetch: give up after this long (the request then answers 503, not 401). */
  jwksTimeoutMs: 5_000,
  /** JWKS: an unknown `kid` triggers a refetch at most this often (key rotation without a refetch storm). */
  jwksCooldownMs: 30_000,
  /** JWKS: refetch at least this often even if every `kid` is known (revoked keys disappear). */
  jwksCacheMaxAgeMs: 10 * 60_000,
  /** Algorithms accepted from a JWKS unless the caller lists others. */
  jwksAlgorithms: ['RS256'] as readonly string[],
  /** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output, 256 bits. */
  minHmacKeyBytes: 32,
  /** Playback tokens are short-lived: a leaked playback URL stops working quickly. */
  playbackMaxTtlSeconds: 24 * 60 * 60,
  /** The `aud` and `typ` of playback tokens, so that no other JWT signed with the same key passes for one. */
  playbackAudience: 'tributary:playback',
  playbackType: 'trb-playback+jwt',
  /** Longest `session` a playback token carries: it travels in URLs, which proxies cap at a few KB. */
  playbackMaxSessionChars: 2048,
} as const;

/** Shape of an API key: `trb_<16 hex id>_<43 base64url secret>` (8 random bytes of id, 32 of secret). */
export const API_KEY = {
  prefix: 'trb',
  idBytes: 8,
  secretBytes: 32,
  pattern: /^trb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/,
} as const;
