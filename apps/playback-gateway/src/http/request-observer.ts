/**
 * Every request's bookkeeping, in one place for Express and for the shared-playlist fast path: its security headers
 * at once, and once it finishes, its duration in the metrics and its line in the request log — one 'finish'
 * listener for both (there were two middlewares and two listeners, each a cost at 2,500 playlists/s).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestPath, type GatewayMetrics } from '../gateway-metrics';
import type { RequestLogWriter } from './request-log';

export type RequestObserver = (req: IncomingMessage, res: ServerResponse) => void;

export function requestObserver(metrics: GatewayMetrics, writeLog: RequestLogWriter, applySecurityHeaders: (res: ServerResponse) => void): RequestObserver {
  return (req, res) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = requestPath(req);
      metrics.observeHttp(req.method ?? '', path, res.statusCode, ms / 1000);
      writeLog(req, res.statusCode, path, ms);
    });
    applySecurityHeaders(res);
  };
}
