/**
 * The gateway's security headers: helmet with the pages' CSP (a CSP for the player page: self, plus blob: media and
 * workers for hls.js' MediaSource and transmuxing worker, plus the KVS origin for direct playback; Referrer-Policy
 * no-referrer, so a playback URL's token never leaks in a Referer), applied to every response.
 *
 * helmet's answer does not depend on the request (no CSP nonces, no directive functions here), yet it rebuilds
 * and validates it on every request: ~8 % of the gateway's CPU under 2,500 live playlists/s (bench:gateway
 * --profile, issue 17). So helmet runs once, at start, against a recording response, and its headers are then
 * set as they are. helmet stays the source of the values: an upgrade that changes them changes them here too.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** What helmet does to a response: headers set, in order, and headers removed. */
export interface SecurityHeaderSet {
  set: ReadonlyArray<readonly [name: string, value: string]>;
  removed: readonly string[];
}

/** helmet with the gateway's options (see the header of this file). */
export function gatewayHelmet(cspConnectSrc: readonly string[]): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'media-src': ["'self'", 'blob:'],
        'worker-src': ["'self'", 'blob:'],
        'connect-src': ["'self'", ...cspConnectSrc],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        // The gateway often runs on plain http (local, or behind a TLS-terminating balancer): upgrading its own
        // subresources to https would break the page there; the balancer sets HSTS where there is TLS.
        'upgrade-insecure-requests': null,
      },
    },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/**
 * Runs `middleware` once against a response that records what it does. Throws if it did not finish synchronously
 * (or passed an error): then its headers may depend on the request, and precomputing them would be wrong.
 */
export function recordHeaderSet(middleware: RequestHandler): SecurityHeaderSet {
  const set: Array<readonly [string, string]> = [];
  const removed: string[] = [];
  const res = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new TypeError(`security header ${name}: a string value expected`);
      set.push([name, value]);
      return res;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let done = false;
  middleware({ method: 'GET', url: '/', headers: {} } as never, res as never, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('the security-header middleware did not finish synchronously: its headers cannot be precomputed');
  return { set, removed };
}

/** A middleware that sets `headers` on every response, as the middleware they were recorded from did. */
export function securityHeaders(cspConnectSrc: readonly string[]): { headers: SecurityHeaderSet; apply: (res: { setHeader(name: string, value: string): unknown; removeHeader(name: string): void }) => void } {
  const headers = recordHeaderSet(gatewayHelmet(cspConnectSrc));
  const { set, removed } = headers;
  return {
    headers,
    apply: (res) => {
      for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]);
      for (let i = 0; i < set.length; i++) res.setHeader(set[i][0], set[i][1]);
    },
  };
}
