/**
 * Time, injected (conventions.md §11): the rollups' idle close, the file sink's age rotation and the state
 * table's wait for ACTIVE read `now()` and schedule through `setTimeout`, so tests drive them with a manual clock
 * instead of waiting. They are @tributary/runtime's, the ones the consumer library takes too, and so is `sleep`
 * (`sleep(timers, ms)`: at once for ms <= 0).
 */

// Unref'd: a pending rotation or idle tick must never keep the process alive on its own.
export { sleep, systemClock, unrefTimers as systemTimers, type Clock, type Timers } from '@tributary/runtime';
