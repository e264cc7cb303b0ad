/**
 * The /hls rate limit on the shared-playlist fast path (shared-playlist-fast-path.ts). The gateway's default limit
 * (6,000 requests a minute per client) is on in every real deployment, so a fast path that stepped aside whenever
 * a limit was configured would save nothing where it matters. Rather than a second limiter, this runs the one the
 * /hls mount uses — express-rate-limit's middleware: the same store, so one count per client over both paths, and
 * the same RateLimit headers — on an Express view of the request (Express's `req.ip` under the app's `trust proxy`
 * is the key) and a small view of the response with the three calls the limiter makes on it.
 *
 * Over the limit, the request goes to Express, whose limiter answers the 429 problem document (the request is then
 * counted twice, which only keeps an over-limit client limited a little longer); the headers set here are removed
 * first so the answer carries Express's alone.
 */
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';

/** Set on the response view: the limiter's over-limit handler calls it instead of answering (see rateLimiter). */
export const LEAVE_TO_EXPRESS = Symbol('fast path: leave the request to Express');

/** Resolves with `undo` (removes the headers the limiter set, for a request then left to Express) when within the limit, else undefined. */
export type FastPathLimit = (req: IncomingMessage, res: ServerResponse) => Promise<(() => void) | undefined>;

export function fastPathLimit(app: express.Express, limiter: RequestHandler): FastPathLimit {
  return (req, res) =>
    new Promise((resolve, reject) => {
      const request = Object.create(app.request, {
        headers: { value: req.headers },
        socket: { value: req.socket },
        connection: { value: req.socket },
        method: { value: req.method },
        url: { value: req.url, writable: true },
        originalUrl: { value: req.url },
      }) as Request;
      const set = new Set<string>();
      const undo = (): void => {
        for (const name of set) res.removeHeader(name);
      };
      const setHeader = (name: string, value: OutgoingHttpHeader): void => {
        set.add(name);
        res.setHeader(name, value);
      };
      const response = {
        get headersSent(): boolean {
          return res.headersSent;
        },
        setHeader(name: string, value: OutgoingHttpHeader) {
          setHeader(name, value);
          return response;
        },
        getHeader: (name: string) => res.getHeader(name),
        // Express's res.append: a second value of a header makes it a list.
        append(name: string, value: string) {
          const previous = res.getHeader(name);
          setHeader(name, previous === undefined ? value : [...(Array.isArray(previous) ? previous : [String(previous)]), value]);
          return response;
        },
        [LEAVE_TO_EXPRESS]: () => {
          undo();
          resolve(undefined);
        },
      };
      const next = (err?: unknown): void => (err === undefined || err === null ? resolve(undo) : reject(err));
      void Promise.resolve(limiter(request, response as unknown as Response, next)).catch(reject);
    });
}
