/**
 * The gateway's Prometheus metrics (prom-client) on a registry of its own, so that two gateways in one process
 * (tests) do not share counters: request durations by route, the segment cache, and upstream (KVS) failures.
 */
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SegmentCache } from './hls/segment-cache';

const STATIC_ROUTES = new Set([
  '/', '/index.html', '/player.js', '/player.css', '/auth.js', '/vendor/hls.min.js', '/healthz', '/readyz', '/metrics',
  '/dashboard', '/dashboard.js', '/dashboard.css', '/vendor/uPlot.iife.min.js', '/vendor/uPlot.min.css',
]);

/** Route label of a path; unknown paths count as `other`, so a scan cannot blow up the label set. */
export function routeOf(path: string): string {
  if (path === '/api/streams') return '/api/streams';
  const api = /^\/api\/streams\/[^/]+(\/(playback|clip|snapshot))?$/.exec(path);
  if (api) return `/api/streams/:name${api[1] ?? ''}`;
  const hls = /^\/hls\/[^/]+\/(master\.m3u8|media\.m3u8|init\.mp4|segment\.mp4)$/.exec(path);
  if (hls) return `/hls/:token/${hls[1]}`;
  const dashboard = /^\/api\/dashboard(\/cameras|\/devices|\/consumers|\/devices\/[^/]+\/rollups)?$/.exec(path);
  if (dashboard) return `/api/dashboard${(dashboard[1] ?? '').replace(/^\/devices\/[^/]+\/rollups$/, '/devices/:id/rollups')}`;
  if (STATIC_ROUTES.has(path)) return path;
  return 'other';
}

/**
 * The request's whole path, wherever it is read (metrics, the request log, problem `instance`s): inside
 * `app.use('/hls', …)` Express strips the mount point from `req.path` (a finished /hls request read
 * `/<token>/segment.mp4`, which escaped the token masking and the route labels); `originalUrl` is never rewritten.
 */
export const requestPath = (req: Request): string => {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

export class GatewayMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'playback_gateway_http_request_duration_seconds',
    help: 'Time from request to the end of the answer, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly segmentCacheHits = new Counter({
    name: 'playback_gateway_segment_cache_hits_total',
    help: 'Proxied media segments served from memory.',
    registers: [this.registry],
  });

  readonly segmentCacheMisses = new Counter({
    name: 'playback_gateway_segment_cache_misses_total',
    help: 'Proxied media segments fetched from KVS (concurrent misses of one segment count once).',
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: 'playback_gateway_upstream_errors_total',
    help: 'Failed calls to KVS, by operation and error code.',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'playback_gateway_upstream_request_duration_seconds',
    help: 'Proxied HLS fetches from KVS, by resource kind.',
    labelNames: ['resource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private cache: SegmentCache | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const cache = (): SegmentCache | undefined => this.cache;
    new Gauge({
      name: 'playback_gateway_segment_cache_bytes',
      help: 'Bytes of media segments held in the cache.',
      registers: [this.registry],
      collect() {
        this.set(cache()?.stats().bytes ?? 0);
      },
    });
    new Gauge({
      name: 'playback_gateway_segment_cache_entries',
      help: 'Media segments held in the cache.',
      registers: [this.registry],
      collect() {
        this.set(cache()?.stats().entries ?? 0);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  bindSegmentCache(cache: SegmentCache): void {
    this.cache = cache;
  }

  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const stop = this.httpDuration.startTimer();
      const path = requestPath(req);
      res.on('finish', () => stop({ method: req.method, route: routeOf(path), status: String(res.statusCode) }));
      next();
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
