/**
 * RTSP camera credentials: where they come from and the one place that keeps them out of every text the app emits.
 *
 * A camera's user and password come from its URL (`rtsp://user:pass@host/…`, percent-encoded as RFC 3986 says) and
 * from `--rtsp-user` / `--rtsp-password` (`VIDEO_RTSP_USER` / `VIDEO_RTSP_PASSWORD`, so the password need not sit in a
 * config file); what the URL has wins, the settings fill in what it lacks. ffmpeg's RTSP demuxer takes credentials
 * only in the URL, so the merged URL is what ffmpeg gets (and prints back in its errors).
 *
 * `secretMasker` is the one redaction: built per camera from that URL, it replaces the password (as written,
 * percent-encoded and decoded), the Basic-auth token of user:password, and any URL's userinfo password, by `***`.
 * The ffmpeg adapter passes its command line, every stderr line and its error messages through it; config keeps
 * only the masked source text for logs and /healthz. Pure: no I/O.
 */
import { redactUrl } from '@tributary/runtime';

export interface RtspCredentials {
  user?: string;
  password?: string;
}

export const MASK = '***';

/** scheme://[userinfo@]host[:port] and the rest; userinfo is what precedes the last '@' of the authority. */
const RTSP_URL = /^(rtsps?:\/\/)([^/?#]*)(.*)$/i;

function splitAuthority(authority: string): { userinfo?: string; host: string } {
  const at = authority.lastIndexOf('@');
  return at < 0 ? { host: authority } : { userinfo: authority.slice(0, at), host: authority.slice(at + 1) };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The user and password a URL carries (decoded), if any. */
export function credentialsInUrl(url: string): RtspCredentials {
  const m = RTSP_URL.exec(url);
  if (!m) return {};
  const { userinfo } = splitAuthority(m[2]);
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { user: decode(userinfo) };
  return { user: decode(userinfo.slice(0, colon)), password: decode(userinfo.slice(colon + 1)) };
}

/**
 * The URL ffmpeg is given: the URL's own user and password, else the settings' (percent-encoded, so ':' '@' '/'
 * in a password survive). A password without a user is ignored (Basic and Digest auth need a user).
 */
export function withRtspCredentials(url: string, settings: RtspCredentials): string {
  const m = RTSP_URL.exec(url);
  if (!m) return url;
  const own = credentialsInUrl(url);
  const user = own.user ?? settings.user;
  const password = own.password ?? settings.password;
  if (user === undefined || user === '') return url;
  const { host } = splitAuthority(m[2]);
  const userinfo = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `${m[1]}${userinfo}@${host}${m[3]}`;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/**
 * A function that masks `url`'s password wherever it shows in a text, in every form it can take there. A camera
 * without a password still gets URL userinfo masking (another URL in the same text may carry one).
 */
export function secretMasker(url: string): (text: string) => string {
  const { user, password } = credentialsInUrl(url);
  const forms = new Set<string>();
  if (password !== undefined && password !== '') {
    forms.add(password);
    forms.add(encodeURIComponent(password));
    const m = RTSP_URL.exec(url);
    const userinfo = m ? splitAuthority(m[2]).userinfo : undefined;
    if (userinfo !== undefined) forms.add(userinfo.slice(userinfo.indexOf(':') + 1)); // as written in the URL
    forms.add(Buffer.from(`${user ?? ''}:${password}`).toString('base64')); // an Authorization: Basic token
  }
  // Longest first, so a form that contains another is masked whole.
  const pattern = forms.size > 0 ? new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g') : undefined;
  return (text: string): string => {
    const masked = redactUrl(text);
    return pattern ? masked.replace(pattern, MASK) : masked;
  };
}
