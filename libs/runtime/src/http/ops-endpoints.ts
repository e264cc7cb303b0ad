/**
 * The operations endpoints a service answers besides its own API: GET /healthz (liveness), GET /readyz (readiness)
 * and GET /metrics (Prometheus). One implementation so that methods, status codes and error bodies are the same in
 * every app; each app says what live and ready mean from its own health report (a producer waiting out an outage is
 * alive but not ready; a camera that cannot stream is neither).
 *
 * Works as a plain listener (`createHttpServer(createOpsEndpoints(...))`: other paths get 404) and as Express
 * middleware (`app.use(createOpsEndpoints(...))`: other paths go to `next()`). Errors are problem JSON (RFC 9457).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger';
import type { ServiceMetrics } from '../metrics/service-metrics';
import { setSecurityHeaders } from './security-headers';

/** What a probe answers: 200 when `ok`, 503 otherwise, with `body` as JSON either way. */
export interface ProbeAnswer {
  ok: boolean;
  body: unknown;
}

export interface OpsEndpointsOptions {
  liveness: () => ProbeAnswer;
  /** Default: the liveness answer (one notion of health, as the video producer has). */
  readiness?: () => ProbeAnswer;
  metrics: Pick<ServiceMetrics, 'render'>;
  logger: Logger;
}

export type OpsRequestListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export function createOpsEndpoints(options: OpsEndpointsOptions): OpsRequestListener {
  const readiness = options.readiness ?? options.liveness;
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!PROBES.has(path)) {
      if (next) next();
      else sendProblem(res, 404, 'Not Found', `no route ${req.method ?? ''} ${path}`);
      return;
    }
    setSecurityHeaders(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendProblem(res, 405, 'Method Not Allowed');
      return;
    }
    if (path === '/metrics') {
      sendMetrics(res, options);
      return;
    }
    const answer = path === '/healthz' ? options.liveness() : readiness();
    res.writeHead(answer.ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(answer.body));
  };
}

function sendMetrics(res: ServerResponse, options: OpsEndpointsOptions): void {
  options.metrics.render().then(
    ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
    (err: unknown) => {
      options.logger.error({ err }, 'metrics failed');
      sendProblem(res, 500, 'Internal Server Error');
    },
  );
}

function sendProblem(res: ServerResponse, status: number, title: string, detail?: string): void {
  setSecurityHeaders(res);
  const body = { type: 'about:blank', title, status, ...(detail !== undefined ? { detail } : {}) };
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' }).end(JSON.stringify(body));
}
