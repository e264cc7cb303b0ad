/**
 * Whether a camera's PutMedia backend (KVS) is reachable, from its session's events: a failed connection (the
 * session schedules a reconnect) starts an outage, a PERSISTED acknowledgement ends it. A connection that opens
 * is not enough: only a persisted fragment shows that KVS takes the video again.
 *
 * /healthz showed `ok` through a 61-s KVS outage (issue 12): the video recovered from the spool, but nobody was
 * told. The app reports the outage on /healthz and in /metrics and logs its start and end once each (the
 * transitions this returns), not once per reconnect attempt. Pure: the clock is injected, no I/O.
 */
import { OutageTracker, type Clock } from '@tributary/runtime';

export interface ReachabilityState {
  reachable: boolean;
  /** Epoch ms of the first failure of the current outage. */
  unreachableSinceMs?: number;
  /** The latest failure's reason (an AWS error name, an errno, a connection error code). */
  lastError?: string;
  /** Failures since the outage began. */
  failures: number;
}

export type ReachabilityChange =
  | { kind: 'outage'; sinceMs: number; reason: string }
  | { kind: 'recovered'; downForMs: number; failures: number; lastError: string };

/** One camera's KVS on the shared OutageTracker (@tributary/runtime), with the camera's clock. */
export class ReachabilityTracker {
  private readonly outages = new OutageTracker<'kvs'>();

  constructor(private readonly clock: Clock) {}

  /** A connection failed; returns the outage when this is its first failure. */
  failure(reason: string): ReachabilityChange | undefined {
    const change = this.outages.failed('kvs', reason, this.clock.now());
    return change ? { kind: 'outage', sinceMs: change.at, reason } : undefined;
  }

  /** A fragment was persisted; returns the recovery when an outage was under way. */
  success(): ReachabilityChange | undefined {
    const change = this.outages.succeeded('kvs', this.clock.now());
    return change?.kind === 'up' ? { kind: 'recovered', downForMs: change.downForMs, failures: change.failures, lastError: change.lastReason } : undefined;
  }

  state(): ReachabilityState {
    const outage = this.outages.outage('kvs');
    if (!outage) return { reachable: true, failures: 0 };
    return { reachable: false, unreachableSinceMs: outage.since, failures: outage.failures, lastError: outage.reason };
  }

  /** How long the current outage has lasted (0 when reachable). */
  unreachableForMs(): number {
    const outage = this.outages.outage('kvs');
    return outage ? this.clock.now() - outage.since : 0;
  }
}
