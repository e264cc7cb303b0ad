/**
 * A key strategy from configuration (an app's settings name the strategy; the options are the strategies' own).
 */
import { HotKeySpreader, type HotKeySpreaderOptions } from './hot-key-spreader';
import type { KeyStrategy } from './key-strategy';
import { PartitioningError } from '../errors';
import { PerDeviceKeyStrategy } from './per-device-key-strategy';
import { RandomKeyStrategy } from './random-key-strategy';

export type KeyStrategyConfig =
  | { type: 'per-device' }
  | { type: 'random'; random?: () => number }
  | ({ type: 'hot-key-spreading' } & HotKeySpreaderOptions);

export function createKeyStrategy(config: KeyStrategyConfig): KeyStrategy {
  switch (config.type) {
    case 'per-device':
      return new PerDeviceKeyStrategy();
    case 'random':
      return new RandomKeyStrategy({ random: config.random });
    case 'hot-key-spreading': {
      const { type: _type, ...options } = config;
      return new HotKeySpreader(options);
    }
    default:
      throw new PartitioningError('INVALID_OPTION', `Unknown key strategy '${(config as { type: unknown }).type}'.`, { option: 'type' });
  }
}
