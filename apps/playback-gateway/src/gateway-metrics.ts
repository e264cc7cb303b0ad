/**
 * The gateway's Prometheus metrics, on the runtime's ServiceMetrics (a registry of its own, so that two gateways in
 * one process (tests) do not share counters): request durations by route, the segment cache, and upstream (KVS)
 * failures.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ServiceMetrics } from '@tributary/runtime';
import type { SegmentCache } from './hls/segment-cache';

const STATIC_ROUTES = new Set([
  '/', '/index.html', '/player.js', '/player.css', '/auth.js', '/vendor/hls.min.js', '/healthz', '/readyz', '/metrics',
  '/dashboard', '/dashboard.js', '/dashboard.css', '/vendor/uPlot.iife.min.js', '/vendor/uPlot.min.css',
  '/favicon.svg', '/favicon.ico', '/camera-tiles.js', '/dashboard-charts.js', '/devices-panel.js', '/format.js', '/dom.js', '/data-streams.js',
  '/low-latency.js', '/player-messages.js', '/stream-list.js', '/time-format.js', '/timeline-model.js', '/timeline-view.js',
]);

/** Route label of a path; unknown paths count as `other`, so a scan cannot blow up the label set. */
export function routeOf(path: string): string {
  if (path === '/api/streams') return '/api/streams';
  const api = /^\/api\/streams\/[^/]+(\/(playback|clip|snapshot|timeline))?$/.exec(path);
  if (api) return `/api/streams/:name${api[1] ?? ''}`;
  const hls = /^\/hls\/[^/]+\/(master\.m3u8|media\.m3u8|init\.mp4|segment\.mp4)$/.exec(path);
  if (hls) return `/hls/:token/${hls[1]}`;
  const dashboard = /^\/api\/dashboard(\/cameras|\/devices|\/consumers|\/consumers\/history|\/data-streams|\/devices\/[^/]+\/rollups|\/data-streams\/[^/]+\/records)?$/.exec(path);
  if (dashboard) {
    const sub = (dashboard[1] ?? '').replace(/^\/devices\/[^/]+\/rollups$/, '/devices/:id/rollups').replace(/^\/data-streams\/[^/]+\/records$/, '/data-streams/:name/records');
    return `/api/dashboard${sub}`;
  }
  if (STATIC_ROUTES.has(path)) return path;
  return 'other';
}

/**
 * The request's whole path, wherever it is read (metrics, the request log, problem `instance`s): inside
 * `app.use('/hls', …)` Express strips the mount point from `req.path` (a finished /hls request read
 * `/<token>/segment.mp4`, which escaped the token masking and the route labels); `originalUrl` is never rewritten.
 */
export const requestPath = (req: IncomingMessage): string => {
  // Node's own request (the shared-playlist fast path, before Express) has only `url`, never rewritten there.
  const url = (req as Partial<Request>).originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

export class GatewayMetrics extends ServiceMetrics {
  readonly httpDuration = this.histogram(
    'playback_gateway_http_request_duration_seconds',
    'Time from request to the end of the answer, by method, route and status.',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ['method', 'route', 'status'],
  );

  readonly segmentCacheHits = this.counter('playback_gateway_segment_cache_hits_total', 'Proxied media segments served from memory.');

  readonly segmentCacheMisses = this.counter(
    'playback_gateway_segment_cache_misses_total',
    'Proxied media segments fetched from KVS (concurrent misses of one segment count once).',
  );

  readonly upstreamErrors = this.counter('playback_gateway_upstream_errors_total', 'Failed calls to KVS, by operation and error code.', ['operation', 'code']);

  readonly upstreamDuration = this.histogram(
    'playback_gateway_upstream_request_duration_seconds',
    'Proxied HLS fetches from KVS, by resource kind.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ['resource'],
  );

  private cache: SegmentCache | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super(options);
    this.scrapeGauge('playback_gateway_segment_cache_bytes', 'Bytes of media segments held in the cache.', () => this.cache?.stats().bytes ?? 0);
    this.scrapeGauge('playback_gateway_segment_cache_entries', 'Media segments held in the cache.', () => this.cache?.stats().entries ?? 0);
  }

  bindSegmentCache(cache: SegmentCache): void {
    this.cache = cache;
  }

  /** One finished request in the request-duration histogram (`path`: requestPath's, labelled by routeOf). */
  observeHttp(method: string, path: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route: routeOf(path), status: String(status) }, seconds);
  }

  /** Times each request into the histogram (the gateway's server does this in its one request observer). */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const started = process.hrtime.bigint();
      const path = requestPath(req);
      res.on('finish', () => this.observeHttp(req.method, path, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
      next();
    };
  }
}
