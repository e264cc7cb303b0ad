/**
 * The gateway's request log: one line per finished request, at the level a person reading the terminal needs.
 *
 * A viewer's player and an open dashboard make a request every few seconds each (playlists, segments, the stream
 * list and the dashboard panels polled): at INFO they buried the start banner within a minute (issue 19). So reads
 * that went well are debug; INFO keeps what someone wants to read:
 *
 *   warn    answers ≥ 500
 *   info    refusals and mistakes (4xx: a sign-in refused, a bad request, a rate limit), requests slower than
 *           `slowMs` (clip downloads excepted: they last as long as the transfer), actions (POST: a playback
 *           session asked for), and the first request of each principal ("signed in")
 *   debug   every other read: media (HLS/DASH playlists, init, segments, clips, snapshots), polls, pages, probes
 *
 * Paths never carry a playback token (`loggablePath`), and the level is decided before a line is built.
 */
import type { IncomingMessage } from 'node:http';
import type express from 'express';
import type { Logger } from 'pino';
import { getPrincipal } from '@tributary/auth';
import { requestPath, routeOf } from '../gateway-metrics';

export type RequestLogLevel = 'debug' | 'info' | 'warn';

export interface FinishedRequest {
  method: string;
  /** The whole path, without the query (`requestPath`). */
  path: string;
  status: number;
  ms: number;
}

export interface RequestLogOptions {
  /** A request slower than this is logged at info (default REQUEST_LOG_DEFAULTS.slowMs). */
  slowMs?: number;
  /** Principals remembered for the "signed in" line; the oldest is forgotten past it. */
  rememberedPrincipals?: number;
  /** The client's address in a line (default: Express's `req.ip`; asked only when a line is written). */
  clientIp?: (req: IncomingMessage) => string | undefined;
}

export const REQUEST_LOG_DEFAULTS = { slowMs: 2000, rememberedPrincipals: 1000 } as const;

/** Paths in logs: the playback token in /hls/<token>/ (and /dash/<token>/) is a credential. */
export const loggablePath = (path: string): string => path.replace(/^\/(hls|dash)\/[^/]+\//, '/$1/<token>/');

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CLIP = /^\/api\/streams\/[^/]+\/clip$/;

/** Media: what a player fetches over and over, or a download of video or a still. */
export function isMediaRequest(path: string): boolean {
  return path.startsWith('/hls/') || path.startsWith('/dash/') || /^\/api\/streams\/[^/]+\/(clip|snapshot)$/.test(path);
}

/** The level of a finished request's line (the table in this file's header), and whether it was slow. */
export function requestLogLevel(r: FinishedRequest, slowMs: number = REQUEST_LOG_DEFAULTS.slowMs): { level: RequestLogLevel; slow: boolean } {
  const slow = r.ms >= slowMs && !CLIP.test(r.path);
  if (r.status >= 500) return { level: 'warn', slow };
  if (r.status >= 400 || slow || !READS.has(r.method)) return { level: 'info', slow };
  return { level: 'debug', slow };
}

/** Who was seen already, bounded: the oldest principal is forgotten first (then "signed in" again, once). */
export class PrincipalMemory {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity: number = REQUEST_LOG_DEFAULTS.rememberedPrincipals) {}

  /** True the first time `id` is seen (or the first time since it was forgotten). */
  firstSight(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

/**
 * A finished request's line (and the "signed in" line), as the middleware below writes it: for callers that time
 * requests themselves, on Express's request or on Node's own (the gateway's shared-playlist fast path).
 */
export type RequestLogWriter = (req: IncomingMessage, status: number, path: string, ms: number) => void;

const expressIp = (req: IncomingMessage): string | undefined => (req as express.Request).ip;

export function requestLogWriter(logger: Logger, options: RequestLogOptions = {}): RequestLogWriter {
  const slowMs = options.slowMs ?? REQUEST_LOG_DEFAULTS.slowMs;
  const principals = new PrincipalMemory(options.rememberedPrincipals);
  const clientIp = options.clientIp ?? expressIp;
  return (req, status, path, ms) => {
    const principal = getPrincipal(req as express.Request);
    if (principal && status < 400 && principals.firstSight(`${principal.kind}:${principal.subject}`)) {
      const { kind, subject, name, scopes } = principal;
      logger.info({ kind, subject, ...(name !== undefined ? { name } : {}), scopes, ip: clientIp(req) }, 'signed in');
    }
    const method = req.method ?? '';
    const { level, slow } = requestLogLevel({ method, path, status, ms }, slowMs);
    if (!logger.isLevelEnabled(level)) return;
    const line = { method, route: routeOf(path), path: loggablePath(path), status, ms: Math.round(ms * 10) / 10, ip: clientIp(req) };
    logger[level](slow ? { ...line, slow } : line, 'request');
  };
}

/** The middleware: one line per request when it finishes; mount it before the routes. */
export function requestLog(logger: Logger, options: RequestLogOptions = {}): express.RequestHandler {
  const write = requestLogWriter(logger, options);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const path = requestPath(req);
    res.on('finish', () => write(req, res.statusCode, path, Number(process.hrtime.bigint() - started) / 1e6));
    next();
  };
}
