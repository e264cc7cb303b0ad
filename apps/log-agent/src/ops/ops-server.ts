/**
 * The agent's HTTP listener: /healthz and /readyz (JSON health), /metrics (Prometheus). The runtime's timeouts
 * (headers 10 s, request 30 s, idle 60 s) and security headers, as the other apps.
 *
 * Liveness and readiness differ as in the telemetry producer: while Kinesis is unreachable the agent is doing its
 * job (waiting, its files unread, nothing lost) and a restart would not help, so /healthz stays 200 with
 * `degraded` and the reason; /readyz answers 503 then. Both answer 503 once the shutdown began.
 */
import type { Server } from 'node:http';
import { createHttpServer, setSecurityHeaders, type Logger } from '@tributary/runtime';
import type { ServiceMetrics } from '@tributary/runtime';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'closing';
  degraded?: string[];
  uptimeSeconds: number;
  flows: Record<string, unknown>[];
}

export function createOpsServer(health: () => HealthReport, metrics: ServiceMetrics, logger: Logger): Server {
  return createHttpServer((req, res) => {
    setSecurityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const report = health();
      const ok = report.status === 'ok' || (path === '/healthz' && report.status === 'degraded');
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    } else if (path === '/metrics') {
      metrics.render().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => {
          logger.error({ err }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
}
