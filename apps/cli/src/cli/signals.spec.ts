import { EventEmitter } from 'node:events';
import { STOP_GRACE_MS, installStopController } from './signals';

// Signals come from an emitter the test owns: emitting 'SIGINT' on jest's sandboxed copy of `process` passed here
// and failed in CI, where the worker's copy carried other listeners.
let signals: EventEmitter;
beforeEach(() => (signals = new EventEmitter()));

describe('installStopController', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts on the first Ctrl-C, exits 130 on the second, and after the grace period at the latest', () => {
    const exit = jest.fn();
    const stop = installStopController(exit, signals);
    try {
      signals.emit('SIGINT', 'SIGINT');
      expect(stop.signal.aborted).toBe(true);
      expect(stop.reason()).toBe('interrupted');
      expect(exit).not.toHaveBeenCalled();
      signals.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      exit.mockClear();
      jest.advanceTimersByTime(STOP_GRACE_MS);
      expect(exit).toHaveBeenCalledWith(130);
    } finally {
      stop.dispose();
    }
  });

  it('a closed stdout stops with reason stdout-closed, exit 0 if the command does not end in time', () => {
    const exit = jest.fn();
    const stop = installStopController(exit, signals);
    try {
      stop.stop('stdout-closed');
      stop.stop('interrupted');
      expect(stop.reason()).toBe('stdout-closed');
      jest.advanceTimersByTime(STOP_GRACE_MS - 1);
      expect(exit).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(exit).toHaveBeenCalledWith(0);
    } finally {
      stop.dispose();
    }
  });

  it('removes its handlers on dispose', () => {
    installStopController(jest.fn(), signals).dispose();
    expect([signals.listenerCount('SIGINT'), signals.listenerCount('SIGTERM')]).toEqual([0, 0]);
  });
});
