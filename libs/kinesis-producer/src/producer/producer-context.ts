/** What every part of one producer shares: its options, time, logger, events, running totals and pump. */
import type { ProducerEvents } from './producer-events';
import type { Clock, Logger, ResolvedOptions, Timers } from './producer-options';
import type { ProducerStats } from './producer-types';
import type { PumpScheduler } from './pump-scheduler';

export type ProducerTotals = ProducerStats['totals'];

export interface ProducerContext {
  readonly o: ResolvedOptions;
  /**
   * Milliseconds since the producer was created: small integers, which V8 stores inline in the records (a
   * wall-clock timestamp is a heap number: three more allocations per record, ~10 % of the CPU at 250,000
   * records/s, measured). They stay small for 12 days, then merely get a little slower.
   */
  readonly clock: Clock;
  /** The injected clock's time at construction (what `clock` counts from). */
  readonly epoch: number;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly events: ProducerEvents;
  readonly totals: ProducerTotals;
  readonly pump: PumpScheduler;
}
