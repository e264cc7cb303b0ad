/**
 * A clock and timers that tests move by hand: @tributary/runtime's FakeTimers, starting on a fixed date and
 * letting promise callbacks run once between timers (what these specs were written against).
 */
import { FakeTimers } from '@tributary/runtime/testing';

export const flushAsync = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ManualTime extends FakeTimers {
  constructor(start = Date.UTC(2025, 5, 1, 12, 0, 0)) {
    super(start, 1);
  }
}
