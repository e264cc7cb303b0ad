/**
 * The HTTP side of the app, as an Express 5 application (not yet listening):
 *
 *   POST /v1/telemetry   authenticated (API key or JWT bearer, scope telemetry:write), see the controller
 *   GET  /healthz        liveness and producer state; 200 while running (status ok or degraded, with the reasons),
 *                        503 once shutdown began (load balancers stop routing)
 *   GET  /readyz         readiness: 200 only when ok; 503 while degraded (Kinesis unreachable, records waiting in
 *                        the durable buffer) or closing, with the same report
 *   GET  /metrics        Prometheus text format
 *
 * Everything that goes wrong is answered as RFC 9457 problem JSON, including 404, 405 and unexpected errors
 * (whose details stay in the log, not in the answer).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { authenticate, requireScope, type AuthenticatorOptions } from '@tributary/auth';
import { createOpsEndpoints } from '@tributary/runtime';
import type { TelemetryMetrics } from '../telemetry-metrics';
import { closeUnreadBodies, securityHeaders } from './http-hardening';
import { IngestError } from './ingest-error';
import { ClientAbortedError } from './request-body-reader';
import { sendIngestError, telemetryIngestController, type TelemetryIngestControllerOptions } from './telemetry-ingest-controller';

export const TELEMETRY_WRITE_SCOPE = 'telemetry:write';

export interface HealthReport {
  /** `degraded`: running, but Kinesis is unreachable or records wait in the durable buffer (`degraded` lists why). */
  status: 'ok' | 'degraded' | 'closing';
  [detail: string]: unknown;
}

export interface IngestServerOptions {
  /** Absent in `simulate` mode: only /healthz and /metrics are served. */
  ingest?: Pick<TelemetryIngestControllerOptions, 'producer' | 'keyStrategy' | 'bodyLimit' | 'rateLimiter' | 'window'> & { auth: AuthenticatorOptions };
  metrics: TelemetryMetrics;
  logger: Logger;
  health(): HealthReport;
  isClosing(): boolean;
}

export function createIngestServer(options: IngestServerOptions): express.Express {
  const { metrics, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  app.use(securityHeaders, closeUnreadBodies, metrics.httpMiddleware());
  // While shutting down, keep-alive connections are not reused: each answer closes its connection.
  app.use((_req, res, next) => {
    if (options.isClosing()) res.setHeader('Connection', 'close');
    next();
  });

  // Liveness: a degraded producer is doing its job (retrying, buffering); restarting it would not help.
  app.use(
    createOpsEndpoints({
      liveness: () => {
        const report = options.health();
        return { ok: report.status !== 'closing', body: report };
      },
      readiness: () => {
        const report = options.health();
        return { ok: report.status === 'ok', body: report };
      },
      metrics,
      logger,
    }),
  );

  if (options.ingest) {
    const ingest = options.ingest;
    app.post(
      '/v1/telemetry',
      authenticate({ ...ingest.auth, logger }),
      requireScope(TELEMETRY_WRITE_SCOPE),
      telemetryIngestController({ ...ingest, metrics, logger, isClosing: options.isClosing }),
    );
    app.all('/v1/telemetry', (_req, _res, next) => {
      next(new IngestError('METHOD_NOT_ALLOWED', 'Use POST to send telemetry.', { headers: { Allow: 'POST' } }));
    });
  }

  app.use((req, _res, next) => {
    next(new IngestError('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    if (err instanceof IngestError) {
      if (err.status >= 500) logger.warn({ code: err.code, path: req.path }, err.message);
      sendIngestError(res, err, req.path);
      return;
    }
    // The client went away while we read its body: nobody to answer.
    if (err instanceof ClientAbortedError) {
      logger.debug({ path: req.path }, 'client aborted the request');
      return;
    }
    logger.error({ err, path: req.path }, 'unexpected error');
    sendIngestError(res, new IngestError('INTERNAL', 'An unexpected error occurred; it has been logged.'), req.path);
  });

  return app;
}
