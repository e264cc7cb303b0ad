/**
 * What never reaches a log line: credentials under well-known keys (pino's `redact` paths, for the shapes apps
 * log: top-level keys, `{ headers }`, `{ req: { headers } }`, `{ config: { … } }`) and, in any text, the secrets that hide inside
 * values: the password of a URL (`rtsp://user:pass@camera`), bearer JWTs (a playback URL's `/hls/<token>/`),
 * tributary API keys (`trb_<id>_<secret>`, the id is kept: it names the key), secret query parameters (KVS'
 * `SessionToken`, presigned `X-Amz-Signature`), and string values of secret keys nested deeper than the paths.
 *
 * The text pass runs on each finished line (pino's `streamWrite` hook), so it reaches what redact paths cannot:
 * messages, error messages and stacks, arrays, any depth. Pure: no I/O.
 */

/** Keys whose values are secrets wherever they appear (headers are matched lower-case, as Node gives them). */
export const SECRET_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'x-amz-security-token',
  'apiKey',
  'apiKeys',
  'api_key',
  'password',
  'passphrase',
  'secret',
  'jwtSecret',
  'playbackKey',
  'token',
  'accessToken',
  'refreshToken',
  'sessionToken',
  'secretAccessKey',
];

const CENSOR = '[REDACTED]';

/** Objects apps log whole whose secret members the paths name exactly (`{ req: { headers } }`, `{ config }`). */
export const SECRET_CONTAINERS: readonly string[] = ['headers', 'req.headers', 'request.headers', 'res.headers', 'config', 'settings', 'options', 'credentials', 'auth'];

const member = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/**
 * pino `redact` paths: each secret key at the top level and inside the usual containers, all exact. Wildcard paths
 * (`*.authorization`) would cover more shapes but cost 10–20 times as much per line (measured: 27–48 µs against
 * 2.5 µs with @pinojs/redact 0.4); string values at any other depth are caught by the text pass.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.map((key) => member(key).replace(/^\./, '')),
  ...SECRET_CONTAINERS.flatMap((container) => SECRET_KEYS.map((key) => `${container}${member(key)}`)),
];

export const REDACT_CENSOR = CENSOR;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** `"<secret key>":"<string>"` at any depth of a JSON line (case-insensitive: `Authorization` from a raw header list). */
const SECRET_MEMBER = new RegExp(`"(${SECRET_KEYS.map(escapeRegExp).join('|')})":"(?:[^"\\\\]|\\\\.)*"`, 'gi');
// The two patterns below start only where a run of their characters starts (a lookbehind, not `\b`): with `\b`,
// text such as `a.a.a.…` or `-eyJ-eyJ…` offered a start at every few characters, each scanning to the end of the
// run, so a 16 KB crafted line (a request path) took about 100 ms to mask: quadratic, on every log line.
/** RFC 3986 §3.2.1 userinfo `user:password@`: the password goes, the user stays (it says which account). */
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'<>]*):[^\s/?#@"'<>]*@/gi;
/** A compact JWS whose header is JSON (`eyJ` is base64url of `{"`): bearer tokens and playback tokens. */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** A tributary API key: the id stays (it names the key in the store), the secret goes. */
const API_KEY = /\b(trb_[0-9a-f]{16}_)[A-Za-z0-9_-]{43}\b/g;
/** Query parameters that are credentials: KVS HLS/DASH session tokens, presigned-URL signatures and tokens. */
const SECRET_QUERY = /([?&](?:SessionToken|X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|access_token|token|api_key|apikey)=)[^&\s#"'<>]+/gi;

/** Masks every secret this module knows in a piece of text (a log line, a URL, a message). */
export function maskSecretsInText(text: string): string {
  return text
    .replace(SECRET_MEMBER, (_m, key: string) => `"${key}":"${CENSOR}"`)
    .replace(URL_PASSWORD, '$1:***@')
    .replace(JWT, '<jwt>')
    .replace(API_KEY, '$1***')
    .replace(SECRET_QUERY, '$1***');
}

/** A URL with its password masked, for logging a configured endpoint or camera source. */
export function redactUrl(url: string): string {
  return url.replace(URL_PASSWORD, '$1:***@');
}
