/**
 * Who may drive the emulator from a browser. It has no sign-in (AWS signatures are not verified), so two browser
 * attacks must be stopped at the door:
 * - a page from another site calling it cross-origin (`fetch` with a `text/plain` body needs no preflight): a
 *   request carrying an `Origin` that is not allowed is refused, and CORS answers go to allowed origins only;
 * - DNS rebinding (a page's own host name re-pointed at 127.0.0.1, so its requests are same-origin): a request
 *   whose `Host` is not a name the emulator answers to is refused. IP literals are always accepted: rebinding
 *   needs a name, and Docker networks and LANs reach the emulator by address.
 * Requests with neither problem (SDKs, the AWS CLI, curl send no `Origin`; the SDK sends the endpoint's host as
 * `Host`) are unaffected. Pure: decisions over header values, no I/O.
 */
import { isIP } from 'node:net';

export interface OriginPolicyOptions {
  /**
   * Origins allowed to call cross-origin: `loopback` (http and https on localhost, *.localhost, 127.0.0.0/8 and
   * [::1], any port), an exact origin (`https://app.example:8443`), an origin with any port (`http://dash.lan:*`),
   * or `*` (every origin: only for a trusted network).
   */
  corsOrigins: readonly string[];
  /**
   * Host names accepted in `Host` besides localhost, *.localhost, IP literals and the listen host: exact names
   * (`emulator`), a domain and its subdomains (`.lan`), or `*` (every name: turns the DNS-rebinding check off).
   */
  allowedHosts: readonly string[];
  /** The address the emulator listens on; a name here is accepted in `Host` too. */
  listenHost: string;
}

export const LOOPBACK_ORIGINS = 'loopback';

const isLoopbackName = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost') || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** `host` of a `Host` / `:authority` value without its port and brackets, lower case, without a trailing dot. */
export function hostNameOf(authority: string): string {
  let host = authority.trim().toLowerCase();
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  else if (host.indexOf(':') === host.lastIndexOf(':')) host = host.split(':')[0];
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

interface OriginRule {
  scheme: string;
  host: string;
  /** undefined: any port. */
  port: string | undefined;
}

function parseOriginRule(text: string): OriginRule {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+|\*))?\/?$/i.exec(text.trim());
  if (!m) throw new TypeError(`"${text}" is not an origin (scheme://host[:port], port may be *), "${LOOPBACK_ORIGINS}" or "*".`);
  const scheme = m[1].toLowerCase();
  const port = m[3] === '*' ? undefined : (m[3] ?? (scheme === 'https' ? '443' : '80'));
  return { scheme, host: hostNameOf(m[2]), port };
}

export class OriginPolicy {
  private readonly anyOrigin: boolean;
  private readonly loopbackOrigins: boolean;
  private readonly originRules: OriginRule[];
  private readonly anyHost: boolean;
  private readonly hosts: Set<string>;
  private readonly domains: string[];

  /** Throws a TypeError naming an entry that is not an origin. */
  constructor(options: OriginPolicyOptions) {
    const origins = options.corsOrigins.map((o) => o.trim()).filter((o) => o !== '');
    this.anyOrigin = origins.includes('*');
    this.loopbackOrigins = origins.includes(LOOPBACK_ORIGINS);
    this.originRules = origins.filter((o) => o !== '*' && o !== LOOPBACK_ORIGINS).map(parseOriginRule);
    const hosts = options.allowedHosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
    this.anyHost = hosts.includes('*');
    this.domains = hosts.filter((h) => h.startsWith('.'));
    this.hosts = new Set([...hosts.filter((h) => !h.startsWith('.')).map(hostNameOf), hostNameOf(options.listenHost)]);
  }

  /** Whether a request with this `Host` (or `:authority`) is for the emulator; an absent one is accepted. */
  allowsHost(authority: string | undefined): boolean {
    if (authority === undefined || this.anyHost) return true;
    const host = hostNameOf(authority);
    if (isIP(host) !== 0 || isLoopbackName(host) || this.hosts.has(host)) return true;
    return this.domains.some((d) => host.endsWith(d) || host === d.slice(1));
  }

  /** Whether a page of this origin may call the emulator (`Origin` header value; `null` never is). */
  allowsOrigin(origin: string): boolean {
    if (this.anyOrigin) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    const scheme = url.protocol.slice(0, -1);
    if (scheme !== 'http' && scheme !== 'https') return false;
    const host = hostNameOf(url.hostname);
    if (this.loopbackOrigins && isLoopbackName(host)) return true;
    const port = url.port || (scheme === 'https' ? '443' : '80');
    return this.originRules.some((r) => r.scheme === scheme && r.host === host && (r.port === undefined || r.port === port));
  }
}
