// Public entry point of @tributary/runtime: the seams every transport and worker injects (clock, timers,
// logger, sleep) and the backoff they share; for apps, the one service runner (settings, logger, signals, exit codes,
// the stop deadline), the service logger (with redaction), the HTTP server with bounded timeouts, the security
// headers of their endpoints, the ops endpoints (/healthz, /readyz, /metrics), the metrics base class, and the start-up notice about an outgoing Node major. Test
// doubles are behind the second entry, @tributary/runtime/testing.
export { systemClock, systemTimers, unrefTimers, type Clock, type Timers } from './time/clock';
export { noopLogger, type Logger } from './logging/logger';
export { sleep } from './time/sleep';
export { ServiceMetrics, type ServiceMetricsOptions } from './metrics/service-metrics';
export { BackoffPolicy, backoffCeilingMs, fullJitterDelayMs, equalJitterDelayMs, type BackoffPolicyOptions } from './time/backoff';
export { RUNTIME_DEFAULTS } from './defaults';
export { createServiceLogger, type ServiceLoggerOptions } from './logging/service-logger';
export { maskSecretsInText, redactUrl, REDACT_PATHS, SECRET_KEYS } from './logging/log-redaction';
export { createHttpServer, applyServerTimeouts, listenHttp, type HttpServerTimeouts } from './http/http-server';
export { API_SECURITY_HEADERS, setSecurityHeaders } from './http/security-headers';
export { createOpsEndpoints, type OpsEndpointsOptions, type OpsRequestListener, type ProbeAnswer } from './http/ops-endpoints';
export { announceNodeSupport, nodeMajorOf, nodeSupportNotice, SDK_MIN_NODE_MAJOR, SDK_NODE_WARNING_ENV, type NodeSupportNotice } from './service/node-support';
export { TokenBucket } from './rate/token-bucket';
export { OutageTracker, type Outage, type OutageChange } from './health/outage-tracker';
export {
  runService,
  signalExitCode,
  EXIT_CODES,
  type ServiceDefinition,
  type ServiceLogLine,
  type ServiceProcess,
  type StoppableService,
  type StopResult,
  type StopSignal,
  type LoadedServiceConfig,
  type RunServiceOptions,
} from './service/service-runner';
export { PromiseCache, type PromiseCacheOptions } from './concurrency/promise-cache';
export { ConcurrencyLimiter, mapWithConcurrency } from './concurrency/concurrency-limiter';
export { SerialQueue } from './concurrency/serial-queue';
