/**
 * One state machine for "is this dependency reachable", shared by every app's health reporting (the consumer's
 * Kinesis/DynamoDB and sinks, the video-producer's KVS). Issue 12 found each part saying `ok` through a 61-s
 * outage; three trackers were then written in parallel with the same rules, kept here once:
 *
 * - a dependency is down from its first failure after a success (a run of failures is one outage),
 * - it is up again at its first success,
 * - only those two moments are returned as changes, so an app logs an outage once when it starts and once when it
 *   ends, however many calls fail in between; the failures are counted and the latest reason kept.
 *
 * Pure: times are passed in (the callers hold the clock), no I/O. `R` is what a failure carries (a message, an
 * error code and text, …).
 */
export interface Outage<K, R> {
  key: K;
  /** When its first failure happened (epoch ms). */
  since: number;
  /** Failures since it went down. */
  failures: number;
  /** The latest failure's reason. */
  reason: R;
}

export type OutageChange<K, R> =
  | { kind: 'down'; key: K; at: number; reason: R }
  | { kind: 'up'; key: K; at: number; downForMs: number; failures: number; lastReason: R };

export class OutageTracker<K, R = string> {
  private readonly outages = new Map<K, Outage<K, R>>();

  /** A call to `key` failed: the 'down' change when it was reachable until now. */
  failed(key: K, reason: R, now: number): OutageChange<K, R> | undefined {
    const outage = this.outages.get(key);
    if (outage) {
      outage.failures++;
      outage.reason = reason;
      return undefined;
    }
    this.outages.set(key, { key, since: now, failures: 1, reason });
    return { kind: 'down', key, at: now, reason };
  }

  /** A call to `key` succeeded: the 'up' change when an outage was under way. */
  succeeded(key: K, now: number): OutageChange<K, R> | undefined {
    const outage = this.outages.get(key);
    if (!outage) return undefined;
    this.outages.delete(key);
    return { kind: 'up', key, at: now, downForMs: now - outage.since, failures: outage.failures, lastReason: outage.reason };
  }

  /** Everything answered again (one success vouches for every key): the 'up' changes, oldest outage first. */
  succeededAll(now: number): OutageChange<K, R>[] {
    return [...this.outages.keys()].map((key) => this.succeeded(key, now)).filter((c): c is OutageChange<K, R> => c !== undefined);
  }

  /** The outage under way for `key` (a copy), if any. */
  outage(key: K): Outage<K, R> | undefined {
    const o = this.outages.get(key);
    return o ? { ...o } : undefined;
  }

  /** Every outage under way (copies), oldest first. */
  current(): Outage<K, R>[] {
    return [...this.outages.values()].map((o) => ({ ...o }));
  }
}
