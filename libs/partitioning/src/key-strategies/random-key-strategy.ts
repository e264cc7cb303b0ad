/**
 * A random partition key per record: the even spread of MD5 over the shards, for records that need no order
 * (a shard's share is its share of the hash-key space). Randomness is injected so that tests are repeatable.
 */
import type { KeyStrategy } from './key-strategy';

export interface RandomKeyStrategyOptions {
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

export class RandomKeyStrategy implements KeyStrategy {
  readonly name = 'random' as const;
  readonly preservesOrder = false;
  private readonly random: () => number;

  constructor(options: RandomKeyStrategyOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  /** 2 × 52 random bits in base 36 (≤ 22 characters); the natural key is ignored. */
  partitionKeyFor(_naturalKey?: string): string {
    const hi = Math.floor(this.random() * 2 ** 52).toString(36);
    const lo = Math.floor(this.random() * 2 ** 52).toString(36);
    return `${hi}.${lo}`;
  }
}
