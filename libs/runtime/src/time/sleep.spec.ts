import { FakeTimers } from '../testing/fake-timers';
import { sleep } from './sleep';

describe('sleep', () => {
  it('resolves after ms on the injected timers, and at once for ms <= 0', async () => {
    const timers = new FakeTimers();
    let done = false;
    void sleep(timers, 100).then(() => (done = true));
    await timers.advance(99);
    expect(done).toBe(false);
    await timers.advance(1);
    expect(done).toBe(true);
    await expect(sleep(timers, 0)).resolves.toBeUndefined();
    expect(timers.pending).toBe(0);
  });

  it('resolves at once when the signal aborts, leaving no timer behind', async () => {
    const timers = new FakeTimers();
    const controller = new AbortController();
    const slept = sleep(timers, 60_000, controller.signal);
    expect(timers.pending).toBe(1);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
    expect(timers.pending).toBe(0);
    await expect(sleep(timers, 10, controller.signal)).resolves.toBeUndefined();
  });
});
