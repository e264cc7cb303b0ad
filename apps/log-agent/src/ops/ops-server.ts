/**
 * The agent's HTTP listener: /healthz and /readyz (JSON health), /metrics (Prometheus). The runtime's timeouts
 * (headers 10 s, request 30 s, idle 60 s) and security headers, as the other apps.
 *
 * Liveness and readiness differ as in the telemetry producer: while Kinesis is unreachable the agent is doing its
 * job (waiting, its files unread, nothing lost) and a restart would not help, so /healthz stays 200 with
 * `degraded` and the reason; /readyz answers 503 then. Both answer 503 once the shutdown began.
 */
import type { Server } from 'node:http';
import { createHttpServer, createOpsEndpoints, type Logger, type ServiceMetrics } from '@tributary/runtime';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'closing';
  degraded?: string[];
  uptimeSeconds: number;
  flows: Record<string, unknown>[];
}

export function createOpsServer(health: () => HealthReport, metrics: ServiceMetrics, logger: Logger): Server {
  return createHttpServer(
    createOpsEndpoints({
      liveness: () => {
        const report = health();
        return { ok: report.status !== 'closing', body: report };
      },
      readiness: () => {
        const report = health();
        return { ok: report.status === 'ok', body: report };
      },
      metrics,
      logger,
    }),
  );
}
