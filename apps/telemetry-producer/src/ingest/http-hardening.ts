/**
 * The few response headers that matter for a JSON API (@tributary/runtime's API_SECURITY_HEADERS: what helmet
 * would set, minus what only applies to HTML pages, and no HSTS on plain HTTP), and a guard that closes
 * connections whose request body was never read.
 */
import type { NextFunction, Request, Response } from 'express';
import { setSecurityHeaders } from '@tributary/runtime';

/** The runtime's API_SECURITY_HEADERS (the video-producer sends the same). */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  setSecurityHeaders(res);
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
