/**
 * The /hls rate limit on the shared-playlist fast path (shared-playlist-fast-path.ts). The gateway's default limit
 * (6,000 requests a minute per client) is on in every real deployment, so a fast path that stepped aside whenever
 * a limit was configured would save nothing where it matters. The count is the /hls limiter's own: the same
 * express-rate-limit MemoryStore and the same key (Express's `req.ip` under the app's `trust proxy`, IPv6 by /56,
 * the library's ipKeyGenerator), so a client has one count over both paths, and the same draft-8 RateLimit headers.
 *
 * Not the library's middleware itself: run per poll it cost ~0.1 ms of CPU (its validations, a SHA-256 of the key,
 * several awaits), half of what the fast path saves (bench:gateway, low-latency, 0.15-0.19 ms per playlist with no
 * limiter against 0.27-0.28 through the middleware, quiet machine). Here the count is one store call, and the
 * header strings are built as the library builds them (the int spec checks the two paths' headers are equal).
 *
 * Over the limit, the hit is taken back and the request goes to Express, whose limiter counts it and answers the 429.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ipKeyGenerator, type MemoryStore } from 'express-rate-limit';

/** Resolves with `undo` (removes the headers set here, for a request then left to Express) when within the limit, else undefined. */
export type FastPathLimit = (req: IncomingMessage, res: ServerResponse) => Promise<(() => void) | undefined>;

export interface FastPathLimitSettings {
  /** The /hls limiter's store (initialised by it: a one-minute window). */
  store: MemoryStore;
  perMinute: number;
  /** The limiter's draft-8 policy name. */
  identifier: string;
  /** Express's `req.ip` of a request Express has not seen. */
  clientIp: (req: IncomingMessage) => string | undefined;
}

const WINDOW_SECONDS = 60;
/** The library's IPv6 subnet default. */
const IPV6_SUBNET = 56;
/** Partition keys kept (one per client address); the map starts over past this. */
const MAX_PARTITION_KEYS = 10_000;

export function fastPathLimit(settings: FastPathLimitSettings): FastPathLimit {
  const { store, perMinute, identifier, clientIp } = settings;
  const partitionKeys = new Map<string, string>();
  // As express-rate-limit's draft-8 `pk`: the first 12 hex digits of the key's SHA-256, in base64.
  const partitionKey = (key: string): string => {
    let pk = partitionKeys.get(key);
    if (pk === undefined) {
      if (partitionKeys.size >= MAX_PARTITION_KEYS) partitionKeys.clear();
      pk = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
      partitionKeys.set(key, pk);
    }
    return pk;
  };
  return async (req, res) => {
    const ip = clientIp(req);
    if (ip === undefined) return undefined; // Express's limiter reports it
    const key = ipKeyGenerator(ip, IPV6_SUBNET);
    const { totalHits, resetTime } = await store.increment(key);
    if (totalHits > perMinute) {
      await store.decrement(key);
      return undefined;
    }
    const reset = resetTime === undefined ? WINDOW_SECONDS : Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000));
    res.setHeader('RateLimit', `"${identifier}"; r=${perMinute - totalHits}; t=${reset}`);
    res.setHeader('RateLimit-Policy', `"${identifier}"; q=${perMinute}; w=${WINDOW_SECONDS}; pk=:${partitionKey(key)}:`);
    return () => {
      res.removeHeader('RateLimit');
      res.removeHeader('RateLimit-Policy');
    };
  };
}
