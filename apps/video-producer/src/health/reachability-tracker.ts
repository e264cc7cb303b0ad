/**
 * Whether a camera's PutMedia backend (KVS) is reachable, from its session's events: a failed connection (the
 * session schedules a reconnect) starts an outage, a PERSISTED acknowledgement ends it. A connection that opens
 * is not enough: only a persisted fragment shows that KVS takes the video again.
 *
 * /healthz showed `ok` through a 61-s KVS outage (issue 12): the video recovered from the spool, but nobody was
 * told. The app reports the outage on /healthz and in /metrics and logs its start and end once each (the
 * transitions this returns), not once per reconnect attempt. Pure: the clock is injected, no I/O.
 */
import type { Clock } from '@tributary/runtime';

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

export class ReachabilityTracker {
  private sinceMs: number | undefined;
  private lastError: string | undefined;
  private failures = 0;

  constructor(private readonly clock: Clock) {}

  /** A connection failed; returns the outage when this is its first failure. */
  failure(reason: string): ReachabilityChange | undefined {
    this.lastError = reason;
    this.failures++;
    if (this.sinceMs !== undefined) return undefined;
    this.sinceMs = this.clock.now();
    return { kind: 'outage', sinceMs: this.sinceMs, reason };
  }

  /** A fragment was persisted; returns the recovery when an outage was under way. */
  success(): ReachabilityChange | undefined {
    if (this.sinceMs === undefined) return undefined;
    const change: ReachabilityChange = { kind: 'recovered', downForMs: this.clock.now() - this.sinceMs, failures: this.failures, lastError: this.lastError ?? '' };
    this.sinceMs = undefined;
    this.lastError = undefined;
    this.failures = 0;
    return change;
  }

  state(): ReachabilityState {
    if (this.sinceMs === undefined) return { reachable: true, failures: 0 };
    return { reachable: false, unreachableSinceMs: this.sinceMs, failures: this.failures, ...(this.lastError !== undefined ? { lastError: this.lastError } : {}) };
  }

  /** How long the current outage has lasted (0 when reachable). */
  unreachableForMs(): number {
    return this.sinceMs === undefined ? 0 : this.clock.now() - this.sinceMs;
  }
}
