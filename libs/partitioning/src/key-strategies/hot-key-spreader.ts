/**
 * Hot-key spreading: a natural key whose rate over a sliding window exceeds a threshold is spread over N sub-keys
 * `key#0 … key#N-1` (round robin), so one chatty device cannot pin a shard at its 1,000 records/s limit. Cool
 * keys keep their own key and therefore their order; a hot key's records lose their order while it is hot (use
 * this strategy only for keys that do not need it). Since MD5 places the sub-keys at random, two of them can land
 * on the same shard: N sub-keys over S shards reach about S·(1 − (1 − 1/S)^N) distinct shards.
 *
 * The rate is a sliding-window counter (the previous fixed window weighted by how much of it still overlaps the
 * sliding one, plus the current window): O(1) time and two counters per key, no timers, the clock injected.
 * A hot key cools down when its rate falls under `threshold × coolDownRatio` (hysteresis, so a key hovering at
 * the threshold does not flap between one and N shards). At most `maxTrackedKeys` keys are tracked; beyond that
 * keys idle for two windows are forgotten first, then the oldest tracked ones.
 */
import { assertValidPartitionKey, MAX_PARTITION_KEY_LENGTH } from '../hash-keys/hash-key';
import type { KeyStrategy } from './key-strategy';
import { PartitioningError } from '../errors';

export interface HotKeySpreaderOptions {
  /** Records per second above which a key is hot. Default 500 (half of a shard's 1,000 records/s). */
  thresholdPerSecond?: number;
  /** Number of sub-keys a hot key is spread over. Default 8. */
  subKeys?: number;
  /** Sliding-window length. Default 1,000 ms. */
  windowMs?: number;
  /** A hot key cools down below thresholdPerSecond × coolDownRatio. Default 0.5. */
  coolDownRatio?: number;
  /** Keys tracked at most (memory bound). Default 100,000. */
  maxTrackedKeys?: number;
  /** Between the key and the sub-key index. Default '#'. */
  separator?: string;
  clock?: { now(): number };
  /** Told when a key becomes hot or cools down (for metrics and logs). */
  onChange?: (naturalKey: string, hot: boolean, ratePerSecond: number) => void;
}

interface KeyState {
  windowStart: number;
  current: number;
  previous: number;
  lastSeen: number;
  hot: boolean;
  next: number;
}

export class HotKeySpreader implements KeyStrategy {
  readonly name = 'hot-key-spreading' as const;
  readonly preservesOrder = false;
  readonly thresholdPerSecond: number;
  readonly subKeys: number;
  readonly windowMs: number;
  private readonly coolDownRatio: number;
  private readonly maxTrackedKeys: number;
  private readonly separator: string;
  private readonly clock: { now(): number };
  private readonly onChange?: HotKeySpreaderOptions['onChange'];
  private readonly keys = new Map<string, KeyState>();

  constructor(options: HotKeySpreaderOptions = {}) {
    this.thresholdPerSecond = positive('thresholdPerSecond', options.thresholdPerSecond ?? 500);
    this.subKeys = integerAtLeast('subKeys', options.subKeys ?? 8, 2);
    this.windowMs = positive('windowMs', options.windowMs ?? 1_000);
    this.coolDownRatio = options.coolDownRatio ?? 0.5;
    if (!(this.coolDownRatio > 0 && this.coolDownRatio <= 1)) {
      throw new PartitioningError('INVALID_OPTION', `coolDownRatio must be in (0, 1], got ${this.coolDownRatio}.`, { option: 'coolDownRatio' });
    }
    this.maxTrackedKeys = integerAtLeast('maxTrackedKeys', options.maxTrackedKeys ?? 100_000, 1);
    this.separator = options.separator ?? '#';
    this.clock = options.clock ?? { now: () => Date.now() };
    this.onChange = options.onChange;
  }

  /** Counts one record of `naturalKey` and returns its partition key: the key itself, or a sub-key while hot. */
  partitionKeyFor(naturalKey: string): string {
    assertValidPartitionKey(naturalKey);
    const now = this.clock.now();
    let state = this.keys.get(naturalKey);
    if (!state) {
      if (this.keys.size >= this.maxTrackedKeys) this.evict(now);
      state = { windowStart: this.windowOf(now), current: 0, previous: 0, lastSeen: now, hot: false, next: 0 };
      this.keys.set(naturalKey, state);
    }
    this.roll(state, now);
    state.current++;
    state.lastSeen = now;
    const rate = this.estimate(state, now);
    if (!state.hot && rate > this.thresholdPerSecond) {
      state.hot = true;
      this.onChange?.(naturalKey, true, rate);
    } else if (state.hot && rate < this.thresholdPerSecond * this.coolDownRatio) {
      state.hot = false;
      this.onChange?.(naturalKey, false, rate);
    }
    if (!state.hot) return naturalKey;
    const index = state.next;
    state.next = index + 1 === this.subKeys ? 0 : index + 1;
    const subKey = `${naturalKey}${this.separator}${index}`;
    // A key too long to take a suffix cannot be spread; it keeps its own (valid) partition key.
    return subKey.length <= MAX_PARTITION_KEY_LENGTH ? subKey : naturalKey;
  }

  /** The sub-keys a key is spread over while hot (for consumers that merge them back). */
  subKeysOf(naturalKey: string): string[] {
    return Array.from({ length: this.subKeys }, (_, i) => `${naturalKey}${this.separator}${i}`);
  }

  isHot(naturalKey: string): boolean {
    return this.keys.get(naturalKey)?.hot ?? false;
  }

  /** Estimated records per second of `naturalKey` over the sliding window ending now (0 when untracked). */
  rateOf(naturalKey: string): number {
    const state = this.keys.get(naturalKey);
    return state ? this.estimate(state, this.clock.now()) : 0;
  }

  get trackedKeys(): number {
    return this.keys.size;
  }

  private estimate(state: KeyState, now: number): number {
    this.roll(state, now);
    const elapsed = Math.min(Math.max(now - state.windowStart, 0), this.windowMs);
    const inWindow = state.previous * (1 - elapsed / this.windowMs) + state.current;
    return (inWindow * 1000) / this.windowMs;
  }

  private windowOf(now: number): number {
    return Math.floor(now / this.windowMs) * this.windowMs;
  }

  /** Moves a key's counters to the window that contains `now` (a clock going backwards keeps the window). */
  private roll(state: KeyState, now: number): void {
    if (now - state.windowStart < this.windowMs) return;
    const windowStart = this.windowOf(now);
    state.previous = windowStart - state.windowStart === this.windowMs ? state.current : 0;
    state.current = 0;
    state.windowStart = windowStart;
  }

  private evict(now: number): void {
    const idleBefore = now - 2 * this.windowMs;
    for (const [key, state] of this.keys) {
      if (state.lastSeen < idleBefore) this.keys.delete(key);
    }
    // Nothing idle: drop the oldest tenth (Map order is insertion order), so eviction stays amortised O(1).
    if (this.keys.size >= this.maxTrackedKeys) {
      let drop = Math.max(1, Math.floor(this.maxTrackedKeys / 10));
      for (const key of this.keys.keys()) {
        if (drop-- <= 0) break;
        this.keys.delete(key);
      }
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new PartitioningError('INVALID_OPTION', `${name} must be a finite number > 0, got ${value}.`, { option: name });
  }
  return value;
}

function integerAtLeast(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new PartitioningError('INVALID_OPTION', `${name} must be an integer >= ${min}, got ${value}.`, { option: name });
  }
  return value;
}
