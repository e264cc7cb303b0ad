import { STOP_GRACE_MS, installStopController } from './signals';

describe('installStopController', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts on the first Ctrl-C, exits 130 on the second, and after the grace period at the latest', () => {
    const exit = jest.fn();
    const stop = installStopController(exit);
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(stop.signal.aborted).toBe(true);
      expect(stop.reason()).toBe('interrupted');
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT', 'SIGINT');
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
    const stop = installStopController(exit);
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
    const before = process.listenerCount('SIGINT');
    installStopController(jest.fn()).dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
