// Public entry point of @tributary/runtime: the seams every transport and worker injects (clock, timers,
// logger) and the backoff they share; for apps, the service logger (with redaction), the HTTP server with bounded
// timeouts, the security headers of their endpoints, and the start-up notice about an outgoing Node major. Test
// doubles are behind the second entry, @tributary/runtime/testing.
export { systemClock, systemTimers, unrefTimers, type Clock, type Timers } from './clock';
export { noopLogger, type Logger } from './logger';
export { BackoffPolicy, backoffCeilingMs, fullJitterDelayMs, equalJitterDelayMs, type BackoffPolicyOptions } from './backoff';
export { RUNTIME_DEFAULTS } from './defaults';
export { createServiceLogger, type ServiceLoggerOptions } from './service-logger';
export { maskSecretsInText, redactUrl, REDACT_PATHS, SECRET_KEYS } from './log-redaction';
export { createHttpServer, applyServerTimeouts, listenHttp, type HttpServerTimeouts } from './http-server';
export { API_SECURITY_HEADERS, setSecurityHeaders } from './security-headers';
export { announceNodeSupport, nodeMajorOf, nodeSupportNotice, SDK_MIN_NODE_MAJOR, SDK_NODE_WARNING_ENV, type NodeSupportNotice } from './node-support';
export { OutageTracker, type Outage, type OutageChange } from './outage-tracker';
export { PromiseCache, type PromiseCacheOptions } from './concurrency/promise-cache';
export { ConcurrencyLimiter, mapWithConcurrency } from './concurrency/concurrency-limiter';
