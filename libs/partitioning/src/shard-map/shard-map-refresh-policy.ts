/**
 * When to list the shards again. Pure bookkeeping over an injected clock; the caller does the ListShards.
 *
 * A refresh is wanted when
 * - there is no map yet, or the last one was incomplete (gaps/overlaps: a listing taken mid-reshard);
 * - a put landed on a shard the map did not predict (`observePlacement`, the KPL's "Wrong Shard");
 * - the map is older than `maxAgeMs` (resharding by another party is otherwise only noticed when a put lands
 *   on an unexpected shard, which for an aggregated record is one record too late; see the producer README).
 *
 * Refreshes are spaced by at least `minIntervalMs`, and failed ones back off like the KPL's shard-map updates
 * (1 s, ×1.5, up to 30 s: KPL shard_map.cc), so a burst of wrong-shard answers or an unreachable endpoint costs
 * one ListShards per interval, not one per record.
 */
import { PartitioningError } from '../errors';
import type { PlacementObservation, ShardMap } from './shard-map';

export interface ShardMapRefreshPolicyOptions {
  clock?: { now(): number };
  /** Minimum time between two refresh attempts. Default 1,000 ms. */
  minIntervalMs?: number;
  /** Backoff after a failed refresh: initial, multiplier, cap. Defaults 1,000 ms, 1.5, 30,000 ms (the KPL's). */
  failureBackoffMs?: number;
  failureBackoffMultiplier?: number;
  maxFailureBackoffMs?: number;
  /** Refresh a map older than this even without a reason; 0 disables. Default 60,000 ms. */
  maxAgeMs?: number;
}

export type RefreshReason = 'initial' | 'incomplete' | 'wrong-shard' | 'max-age' | 'requested';

export class ShardMapRefreshPolicy {
  private readonly clock: { now(): number };
  private readonly minIntervalMs: number;
  private readonly failureBackoffMs: number;
  private readonly failureBackoffMultiplier: number;
  private readonly maxFailureBackoffMs: number;
  private readonly maxAgeMs: number;
  private map: ShardMap | undefined;
  private builtAt = 0;
  private lastAttemptAt = -Infinity;
  private consecutiveFailures = 0;
  private pending: RefreshReason | undefined = 'initial';

  constructor(options: ShardMapRefreshPolicyOptions = {}) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.minIntervalMs = nonNegative('minIntervalMs', options.minIntervalMs ?? 1_000);
    this.failureBackoffMs = nonNegative('failureBackoffMs', options.failureBackoffMs ?? 1_000);
    this.failureBackoffMultiplier = options.failureBackoffMultiplier ?? 1.5;
    if (!(this.failureBackoffMultiplier >= 1)) {
      throw new PartitioningError('INVALID_OPTION', 'failureBackoffMultiplier must be >= 1.', { option: 'failureBackoffMultiplier' });
    }
    this.maxFailureBackoffMs = nonNegative('maxFailureBackoffMs', options.maxFailureBackoffMs ?? 30_000);
    this.maxAgeMs = nonNegative('maxAgeMs', options.maxAgeMs ?? 60_000);
  }

  /** The reason a refresh is wanted now, if any (whether it may start now is `delayMs()`). */
  get reason(): RefreshReason | undefined {
    if (this.pending) return this.pending;
    if (this.maxAgeMs > 0 && this.map && this.clock.now() - this.builtAt >= this.maxAgeMs) return 'max-age';
    return undefined;
  }

  /** Milliseconds until a refresh may start: 0 when one is wanted and allowed now, Infinity when none is wanted. */
  delayMs(): number {
    const reason = this.reason;
    if (reason === undefined) {
      return this.maxAgeMs > 0 && this.map ? Math.max(0, this.builtAt + this.maxAgeMs - this.clock.now()) : Infinity;
    }
    const spacing =
      this.consecutiveFailures === 0
        ? this.minIntervalMs
        : Math.min(this.maxFailureBackoffMs, this.failureBackoffMs * this.failureBackoffMultiplier ** (this.consecutiveFailures - 1));
    return Math.max(0, this.lastAttemptAt + spacing - this.clock.now());
  }

  /** Call when a ListShards starts. */
  started(): void {
    this.lastAttemptAt = this.clock.now();
  }

  /** Call with the new map when a refresh succeeded; returns true when the layout changed. */
  succeeded(map: ShardMap): boolean {
    const changed = !this.map || !this.map.sameLayoutAs(map);
    this.map = map;
    this.builtAt = this.clock.now();
    this.consecutiveFailures = 0;
    this.pending = map.complete ? undefined : 'incomplete';
    return changed;
  }

  /** Call when a refresh failed; the next attempt backs off. */
  failed(): void {
    this.consecutiveFailures++;
    this.pending ??= 'requested';
  }

  /** Ask for a refresh (e.g. a shard id the map does not know showed up). */
  request(reason: RefreshReason = 'requested'): void {
    this.pending ??= reason;
  }

  /**
   * Feed a PutRecords placement back. Returns true when it contradicts the current map (the map is stale and a
   * refresh is now wanted).
   */
  observePlacement(observation: PlacementObservation): boolean {
    if (!this.map || !this.map.isStale(observation)) return false;
    this.pending ??= 'wrong-shard';
    return true;
  }

  get failures(): number {
    return this.consecutiveFailures;
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new PartitioningError('INVALID_OPTION', `${name} must be a finite number >= 0, got ${value}.`, { option: name });
  }
  return value;
}
