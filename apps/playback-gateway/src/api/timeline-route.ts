/**
 * GET /api/streams/:name/timeline?from&to — what a camera recorded over a window, for the player's timeline
 * (kvs/recording-timeline.ts): `{stream, from, to, ranges:[{start, end, fragments}], gaps:[{start, end}], fragments,
 * minGapMs, newestEnd, truncated}`, times in epoch ms. `to` defaults to now, `from` to an hour before `to`; at
 * most 24 h. From ListFragments by producer timestamp, at most TIMELINE_LIMITS.maxPages pages of 1000 fragments
 * (`truncated` past that: about 2 h of 1-s fragments). One answer per stream and window is shared by all callers for
 * TIMELINE_LIMITS.cacheMs.
 *
 * Mounted under /api after `authenticate`, like streams-api.ts; the stream permission is checked before KVS is
 * asked anything (a principal learns nothing about streams it may not read).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { AuthError, getPrincipal } from '@tributary/auth';
import { PromiseCache, systemClock, type Clock } from '@tributary/runtime';
import { GatewayError } from '../gateway-error';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';
import { recordingTimeline, type RecordingTimeline } from '../kvs/recording-timeline';
import { instant, MAX_RANGE_MS, queryRecord, STREAM_NAME, validate } from './api-requests';
import { canReadStream, streamReadScope, VIDEO_READ_SCOPE } from './stream-access';

export const TIMELINE_LIMITS = {
  /** The window when `from` is not given. */
  defaultWindowMs: 60 * 60 * 1000,
  /** ListFragments pages per request: 8 × 1000 points of the stream's 10 000/s metadata budget. */
  maxPages: 8,
  /**
   * One answer per stream and window is shared this long by every viewer asking for it (the player asks for windows
   * ending on a whole 5 s, every 10 s), so N viewers of a camera cost one listing, not N.
   */
  cacheMs: 5_000,
  cacheEntries: 1_000,
} as const;

const timelineQuerySchema = z.strictObject({ from: instant.optional(), to: instant.optional() });

export interface TimelineApiOptions {
  kvs: Pick<KvsPlaybackClient, 'fragmentsBetween'>;
  clock?: Clock;
}

/** The window asked for: defaults filled in, checked for order and length. */
export function timelineWindow(query: Record<string, string>, nowMs: number): { fromMs: number; toMs: number } {
  const q = validate(timelineQuerySchema, query, 'timeline query');
  const toMs = q.to ?? nowMs;
  const fromMs = q.from ?? toMs - TIMELINE_LIMITS.defaultWindowMs;
  if (toMs <= fromMs) throw new GatewayError('INVALID_REQUEST', 'Invalid timeline query: to: must be after from.');
  if (toMs - fromMs > MAX_RANGE_MS) throw new GatewayError('INVALID_REQUEST', 'Invalid timeline query: to: must be within 24 hours of from.');
  return { fromMs, toMs };
}

export function timelineApi(options: TimelineApiOptions): Router {
  const clock = options.clock ?? systemClock;
  const cache = new PromiseCache<RecordingTimeline>({ ttlMs: TIMELINE_LIMITS.cacheMs, maxEntries: TIMELINE_LIMITS.cacheEntries, clock });
  const load = async (name: string, fromMs: number, toMs: number): Promise<RecordingTimeline> => {
    const { fragments, truncated } = await options.kvs.fragmentsBetween(name, fromMs, toMs, TIMELINE_LIMITS.maxPages);
    return recordingTimeline(
      fragments.map((f) => ({ startMs: f.producerTimestampMs ?? f.serverTimestampMs, ...(f.durationMs !== undefined ? { durationMs: f.durationMs } : {}) })),
      { stream: name, fromMs, toMs, truncated },
    );
  };
  const router = express.Router();
  router.get('/streams/:name/timeline', async (req, res) => {
    const name = String(req.params['name']);
    if (!STREAM_NAME.test(name)) throw new GatewayError('INVALID_REQUEST', 'A stream name is 1–256 characters of a-z A-Z 0-9 _ . -');
    const principal = getPrincipal(req);
    if (!principal || !canReadStream(principal, name)) {
      throw new AuthError('INSUFFICIENT_SCOPE', `reading stream ${name} needs the scope ${VIDEO_READ_SCOPE} or ${streamReadScope(name)}`, {
        requiredScopes: [streamReadScope(name)],
      });
    }
    const { fromMs, toMs } = timelineWindow(queryRecord(req.url), clock.now());
    const timeline = await cache.get(`${name}\n${fromMs}\n${toMs}`, () => load(name, fromMs, toMs));
    res.status(200).set('Cache-Control', 'no-store').json(timeline);
  });
  router.all('/streams/:name/timeline', (_req: Request, _res: Response, next: NextFunction) =>
    next(new GatewayError('METHOD_NOT_ALLOWED', 'Use GET here.', { headers: { Allow: 'GET' } })),
  );
  return router;
}
