/**
 * The few response headers that matter for a JSON API (what helmet would set, minus what only applies to HTML
 * pages), and a guard that closes connections whose request body was never read.
 *
 * Strict-Transport-Security is not set: this server speaks plain HTTP and HSTS is only honoured over HTTPS, so it
 * belongs to the TLS-terminating proxy or load balancer in front of it.
 */
import type { NextFunction, Request, Response } from 'express';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Browsers must not guess a type other than the one sent (no JSON executed as script).
  'X-Content-Type-Options': 'nosniff',
  // Nothing here is a page: no scripts, styles, frames or plugins, whatever a response ends up containing.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  // The CSP frame-ancestors of browsers that predate it.
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Another origin's page may not embed our responses (Spectre-class leaks through no-cors requests).
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Answers carry sequence numbers and per-client state: never cached by proxies or browsers.
  'Cache-Control': 'no-store',
};

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
}

/**
 * When the answer goes out before the request body was read (401, 403, 413, 415, 429, 503), Node would read and
 * discard the rest of the body to keep the connection alive — for a large or endless body, that is bandwidth and
 * time spent on a client we already refused. `Connection: close` makes Node close the connection after the
 * answer instead. (Patches `writeHead`, through which every response's headers pass, as the `on-headers`
 * package does.)
 */
export function closeUnreadBodies(req: Request, res: Response, next: NextFunction): void {
  const writeHead = res.writeHead;
  res.writeHead = function patchedWriteHead(this: Response, ...args: unknown[]) {
    if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
  next();
}
