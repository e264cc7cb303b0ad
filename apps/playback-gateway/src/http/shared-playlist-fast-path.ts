/**
 * The shared-playlist fast path (issue 17, "viewers at scale"): a low-latency viewer polls its live playlist five
 * times a second, and nearly every poll is answered from the shared copy (hls-proxy-controller.ts). Through Express
 * such a poll cost ~0.3 ms of CPU, and most of it was Express's own per-request work, not the gateway's
 * middleware: its swap of the request's and response's prototypes (Object.setPrototypeOf, which leaves Node's
 * objects on slow paths) alone took a bare Node server answering the same bytes from ~0.10 to ~0.17 ms per request,
 * and its router with it to ~0.25-0.33 ms (same load shape, same machine). So these polls are answered here,
 * before Express, with what the gateway does for them there: the security headers, the metrics and the request log
 * (request-observer.ts), and the playlist's answer (sendPlaylist, shared with the Express route).
 *
 * A poll that arrives while the shared copy is being fetched waits for that fetch, as it would through Express;
 * if the fetch fails, the poll goes to Express (which answers it the whole way: the failed fetch is forgotten, so
 * those polls share one new attempt, and a failure then is answered as a problem document by Express's handler).
 *
 * The /hls rate limit applies here as through Express: the same limiter, the same count (fast-path-rate-limit.ts);
 * over the limit the request goes to Express, which answers the 429.
 *
 * Everything else goes to Express untouched (nothing has been set on the response): another resource, a method
 * other than GET or HEAD, a token not verified yet or expired, no fresh or pending shared copy — and every request
 * while CORS origins are configured (the cors middleware works on Express's request and response).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendPlaylist, type HlsProxy } from '../hls/hls-proxy-controller';
import type { FastPathLimit } from './fast-path-rate-limit';
import type { RequestObserver } from './request-observer';

/** True if it answered the request; false if the request is Express's, untouched; or a promise of either. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** `limit`: the /hls rate limit (absent: none configured). */
export function sharedPlaylistFastPath(proxy: Pick<HlsProxy, 'sharedPlaylist'>, observe: RequestObserver, limit?: FastPathLimit): FastPath {
  return (req, res) => {
    const { method, url } = req;
    if ((method !== 'GET' && method !== 'HEAD') || url === undefined || !url.startsWith('/hls/')) return false;
    const answer = proxy.sharedPlaylist(url);
    if (answer === undefined) return false;
    const send = (bytes: Buffer): true => {
      observe(req, res);
      sendPlaylist(res, bytes, method === 'HEAD');
      return true;
    };
    if (limit === undefined) return Buffer.isBuffer(answer) ? send(answer) : answer.then(send, () => false);
    // Settled at once, so a failed fetch is never an unhandled rejection while the limiter decides.
    const bytes = Buffer.isBuffer(answer) ? answer : answer.then((b) => b, () => undefined);
    return limit(req, res).then(async (undo) => {
      if (undo === undefined) return false;
      const b = await bytes;
      if (b !== undefined) return send(b);
      undo();
      return false;
    });
  };
}
