/**
 * The gateway as an Express 5 application (not yet listening):
 *
 *   /api/…              JSON API (api/streams-api.ts), authenticated, rate-limited, CORS as configured
 *   /hls/<token>/…      proxied HLS (hls/hls-proxy-controller.ts), authenticated by the playback token, rate-limited
 *   /healthz, /readyz   liveness; readiness (KVS reachable)
 *   /metrics            Prometheus text format
 *   /                   the web player (public/), hls.js at /vendor/hls.min.js
 *   /dashboard          the live dashboard (public/dashboard.html; its API is dashboard/dashboard-api.ts),
 *                       uPlot at /vendor/uPlot.iife.min.js and /vendor/uPlot.min.css
 *
 * Security headers come from helmet, computed once (security-headers.ts): a CSP for the player page, Referrer-Policy
 * no-referrer (so a playback URL's token never leaks in a Referer). Every error is an RFC 9457 problem document.
 *
 * The hot path is a live playlist polled five times a second by every low-latency viewer (issue 17): a poll that a
 * fresh shared copy answers is served before Express (shared-playlist-fast-path.ts); the others walk Express's
 * layers in order, so /hls comes right after the one request observer (before the API, the probes and the pages,
 * whose paths it does not share), and is one layer (`inOrder`), not one per middleware.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import cors from 'cors';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import { authenticate, AuthError, problemFromAuthError, sendProblem, type AuthenticatorOptions, type PlaybackTokenKey } from '@tributary/auth';
import type { Logger } from 'pino';
import type { Clock } from '@tributary/runtime';
import { GatewayError } from '../gateway-error';
import { requestPath, type GatewayMetrics } from '../gateway-metrics';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';
import { hlsProxyController } from '../hls/hls-proxy-controller';
import type { SegmentCache } from '../hls/segment-cache';
import { streamsApi } from '../api/streams-api';
import { timelineApi } from '../api/timeline-route';
import type { CameraHealthScan } from '../api/stream-catalog';
import { dashboardApi, type DashboardTableSettings } from '../dashboard/dashboard-api';
import type { DashboardTables } from '../dashboard/dashboard-tables';
import type { KdsDashboardClient } from '../kds/kds-dashboard-client';
import type { StaticAssets } from './static-assets';
import { loggablePath, requestLogWriter } from './request-log';
import { requestObserver, type RequestObserver } from './request-observer';
import { securityHeaders } from './security-headers';
import { fastPathLimit } from './fast-path-rate-limit';
import { sharedPlaylistFastPath, type FastPath } from './shared-playlist-fast-path';

export interface GatewayServerOptions {
  auth: AuthenticatorOptions;
  kvs: KvsPlaybackClient;
  playbackKey: PlaybackTokenKey;
  tokenTtlSeconds: number;
  delivery: 'direct' | 'proxied';
  publicUrl?: string;
  trustProxy: number;
  corsOrigins: readonly string[];
  cspConnectSrc: readonly string[];
  /** Requests per minute per client IP; 0 turns the limit off. */
  apiRateLimit: number;
  hlsRateLimit: number;
  upstreamTimeoutMs: number;
  segmentCache: SegmentCache;
  metrics: GatewayMetrics;
  logger: Logger;
  assets: StaticAssets;
  fetch?: typeof fetch;
  /** How long one proxied playlist serves every request of its KVS session (HLS_PROXY_DEFAULTS.playlistShareMs; 0: off). */
  playlistShareMs?: number;
  /** The proxy's clock (shared playlists, verified tokens); tests freeze it. */
  clock?: Clock;
  /** The stream list's health source: one Scan of the camera-health table (absent: KVS per stream). */
  cameraHealth?: CameraHealthScan;
  /** How long the stream list and that Scan are shared by all callers (STREAM_CATALOG_DEFAULTS.cacheMs). */
  catalogCacheMs?: number;
  /** The dashboard's DynamoDB tables (each optional) and their reader (absent when none is set). */
  dashboard?: { tables: DashboardTableSettings; reader?: DashboardTables; cacheMs?: number; kds?: KdsDashboardClient };
}

/** Paths in logs without the playback token (moved to request-log.ts; re-exported for its users). */
export { loggablePath } from './request-log';

export function createGatewayServer(options: GatewayServerOptions): express.Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', false);
  app.set('trust proxy', options.trustProxy);

  const observe = requestObserver(metrics, requestLogWriter(logger, { clientIp: clientIpOf(app, options.trustProxy) }), securityHeaders(options.cspConnectSrc).apply);
  app.use((req, res, next) => {
    observe(req, res);
    next();
  });

  const corsMiddleware = cors({
    origin: options.corsOrigins.includes('*') ? '*' : options.corsOrigins.length > 0 ? [...options.corsOrigins] : false,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Authorization', 'X-Api-Key', 'Content-Type'],
    exposedHeaders: ['Content-Disposition', 'WWW-Authenticate'],
    maxAge: 600,
  });
  hlsRoutes(app, options, corsMiddleware, observe);

  app.use(
    '/api',
    corsMiddleware,
    rateLimiter(options.apiRateLimit),
    authenticate({ ...options.auth, logger }),
    streamsApi({
      kvs: options.kvs,
      playbackKey: options.playbackKey,
      tokenTtlSeconds: options.tokenTtlSeconds,
      defaultDelivery: options.delivery,
      publicUrl: options.publicUrl,
      logger,
      ...(options.cameraHealth ? { cameraHealth: options.cameraHealth } : {}),
      ...(options.catalogCacheMs !== undefined ? { catalogCacheMs: options.catalogCacheMs } : {}),
    }),
    timelineApi({ kvs: options.kvs }),
    dashboardApi({
      kvs: options.kvs,
      reader: options.dashboard?.reader,
      tables: options.dashboard?.tables ?? {},
      cacheMs: options.dashboard?.cacheMs,
      kds: options.dashboard?.kds,
      logger,
    }),
  );
  probeRoutes(app, options);
  pageRoutes(app, options.assets);
  app.use((req, _res, next) => {
    next(new GatewayError('NOT_FOUND', `No route for ${req.method} ${loggablePath(requestPath(req))}.`));
  });
  app.use(problemHandler(logger));
  return app;
}

/** /hls/…: the proxy, behind CORS and its rate limit, and its fast path for polls a shared copy answers. */
function hlsRoutes(app: express.Express, options: GatewayServerOptions, corsMiddleware: express.RequestHandler, observe: RequestObserver): void {
  const { metrics, logger } = options;
  const proxy = hlsProxyController({
    playbackKey: options.playbackKey,
    cache: options.segmentCache,
    metrics,
    logger,
    timeoutMs: options.upstreamTimeoutMs,
    fetch: options.fetch,
    ...(options.playlistShareMs !== undefined ? { playlistShareMs: options.playlistShareMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const hlsStore = new MemoryStore();
  const limiter = rateLimiter(options.hlsRateLimit, hlsStore);
  app.use(
    '/hls',
    inOrder([
      corsMiddleware,
      limiter,
      (req, res, next) => {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          next(new GatewayError('METHOD_NOT_ALLOWED', 'Use GET here.', { headers: { Allow: 'GET, HEAD' } }));
          return;
        }
        void proxy.handle(req, res, next);
      },
    ]),
  );
  // CORS works on Express's request and response: with origins configured every /hls request goes through the mount
  // above. The rate limit applies on both paths, one count (fast-path-rate-limit.ts).
  const limit =
    options.hlsRateLimit > 0 ? fastPathLimit({ store: hlsStore, perMinute: options.hlsRateLimit, identifier: limitIdentifier(options.hlsRateLimit), clientIp: clientIpOf(app, options.trustProxy) }) : undefined;
  if (options.corsOrigins.length === 0) answerFirst(app, sharedPlaylistFastPath(proxy, observe, limit));
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;

/**
 * `fast` before anything of Express's: Express calls `app.handle` for every request (`app(req, res)` as a server's
 * listener, and `app.listen`), and `fast` answers a request or leaves it to Express untouched.
 */
function answerFirst(app: express.Express, fast: FastPath): void {
  const entry = app as unknown as { handle: Handle };
  const handle = entry.handle.bind(app);
  entry.handle = (req, res, callback) => {
    const answered = fast(req, res);
    if (answered === false) handle(req, res, callback);
    // sendPlaylist does not throw; if it ever did, the answer may be half written: drop the connection.
    else if (answered !== true) answered.then((ok) => ok || handle(req, res, callback), () => req.socket.destroy());
  };
}

/**
 * Express's `req.ip` (under the app's `trust proxy`) of a request Express has not seen (the fast path's, in a log line
 * and as its rate-limit key). With no proxy trusted (`--trust-proxy 0`, the default) that is the socket's address,
 * read directly: the Express view costs a few µs per request, which the fast path counts.
 */
function clientIpOf(app: express.Express, trustProxyHops: number): (req: IncomingMessage) => string | undefined {
  if (trustProxyHops === 0) return (req) => req.socket.remoteAddress;
  return (req) => {
    const ip = (req as Partial<Request>).ip;
    if (ip !== undefined) return ip;
    const view = Object.create(app.request, { headers: { value: req.headers }, socket: { value: req.socket }, connection: { value: req.socket } }) as Request;
    return view.ip;
  };
}

/**
 * `handlers` in order as one Express layer: what `app.use(path, a, b, c)` does with one layer (one path match, one
 * mount-path trim) instead of one per handler. A handler's error, or its rejected promise (as Express 5 treats it),
 * goes to `next`; `next('route')`/`next('router')` are not used by these handlers.
 */
export function inOrder(handlers: readonly express.RequestHandler[]): express.RequestHandler {
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) {
        next(err);
        return;
      }
      const handler = handlers[i++];
      if (handler === undefined) {
        next();
        return;
      }
      try {
        const ret = handler(req, res, step) as unknown;
        if (ret instanceof Promise) ret.then(undefined, (e: unknown) => step(e ?? new Error('Rejected promise')));
      } catch (e) {
        step(e);
      }
    };
    step();
  };
}

/** The draft-8 policy name, as express-rate-limit names a one-minute window (set explicitly: the fast path uses it too). */
const limitIdentifier = (perMinute: number): string => `${perMinute}-in-1min`;

/**
 * `perMinute` requests per minute per client, answered past it with a 429 problem document; 0 is no limit. `store`:
 * given when another path counts in it too (the /hls fast path).
 */
function rateLimiter(perMinute: number, store?: MemoryStore): express.RequestHandler {
  if (perMinute <= 0) return (_req: Request, _res: Response, next: NextFunction) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    identifier: limitIdentifier(perMinute),
    ...(store ? { store } : {}),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      const err = new GatewayError('RATE_LIMITED', `Over ${perMinute} requests per minute; slow down.`);
      sendProblem(res, err.toProblem(loggablePath(requestPath(req))));
    },
  });
}

/** /healthz, /readyz (KVS reachable), /metrics. */
function probeRoutes(app: express.Express, { kvs, logger, metrics }: GatewayServerOptions): void {
  app.get('/healthz', (_req, res) => {
    res.status(200).set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await kvs.ping();
      res.status(200).set('Cache-Control', 'no-store').json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'not ready: KVS unreachable');
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'unavailable', detail: 'Kinesis Video Streams is not reachable.' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.status(200).type(contentType).send(body);
  });
}

/** The player and dashboard pages, their scripts, and the vendored hls.js and uPlot. */
function pageRoutes(app: express.Express, assets: StaticAssets): void {
  const vendor = (file: string, type: string) => (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=86400').type(type).sendFile(file);
  };
  app.get('/vendor/hls.min.js', vendor(assets.hlsJsFile, 'application/javascript'));
  app.get('/vendor/uPlot.iife.min.js', vendor(assets.uplotJsFile, 'application/javascript'));
  app.get('/vendor/uPlot.min.css', vendor(assets.uplotCssFile, 'text/css'));
  // Browsers and tools that never read a page's <link rel="icon"> ask for /favicon.ico: the same icon, not a 404.
  app.get('/favicon.ico', (_req, res) => {
    res.redirect(301, '/favicon.svg');
  });
  app.get('/dashboard', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').sendFile('dashboard.html', { root: assets.publicDir });
  });
  app.use(express.static(assets.publicDir, { index: 'index.html', dotfiles: 'deny', redirect: false, maxAge: 0 }));
}

/** Every error as an RFC 9457 problem document; Express recognises an error handler by its four parameters. */
function problemHandler(logger: Logger): express.ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const instance = loggablePath(requestPath(req));
    if (err instanceof AuthError && err.status < 500) {
      logger.debug({ code: err.code, path: instance }, `auth: ${err.message}`);
      sendProblem(res, { ...problemFromAuthError(err), instance });
      return;
    }
    if (err instanceof GatewayError) {
      if (err.status >= 500) logger.warn({ code: err.code, path: instance, cause: err.cause }, err.message);
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      sendProblem(res, err.toProblem(instance));
      return;
    }
    // body-parser's errors (malformed JSON, too large, wrong type) carry their status.
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST';
      sendProblem(res, new GatewayError(code, (err as Error).message).toProblem(instance));
      return;
    }
    logger.error({ err, path: instance }, 'unexpected error');
    sendProblem(res, new GatewayError('INTERNAL', 'An unexpected error occurred; it has been logged.').toProblem(instance));
  };
}
