/** Time source, injected so that iterator expiry, retention and token buckets are testable without waiting. */
export { systemClock, type Clock } from '@tributary/runtime';
