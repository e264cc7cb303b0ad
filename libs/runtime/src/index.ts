// Public entry point of @tributary/runtime: the seams every transport and worker injects (clock, timers,
// logger) and the backoff they share. Test doubles are behind the second entry, @tributary/runtime/testing.
export { systemClock, systemTimers, unrefTimers, type Clock, type Timers } from './clock';
export { noopLogger, type Logger } from './logger';
export { BackoffPolicy, backoffCeilingMs, fullJitterDelayMs, equalJitterDelayMs, type BackoffPolicyOptions } from './backoff';
