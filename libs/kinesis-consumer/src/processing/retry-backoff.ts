/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015), the
 * policy kinesis-producer uses too: retry n waits uniform in [0, min(maxMs, baseMs · 2^(n−1))]. Full jitter
 * keeps the shards of a worker (and the workers of a fleet) from retrying a shared dependency in lockstep.
 * Pure: the randomness is injected.
 */
import type { RetryBackoff } from './processing-types';

/** The upper bound of the delay before retry number `retry` (1 for the first retry). */
export function backoffCeilingMs(policy: RetryBackoff, retry: number): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/** A delay before retry number `retry`: uniform in [0, backoffCeilingMs]. `random` is uniform in [0, 1). */
export function backoffDelayMs(policy: RetryBackoff, retry: number, random: () => number): number {
  return Math.floor(random() * (backoffCeilingMs(policy, retry) + 1));
}
