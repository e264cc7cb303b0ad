import { InFlightWindow } from './in-flight-window';

const flush = () => new Promise((r) => setImmediate(r));

describe('InFlightWindow', () => {
  it('refuses what does not fit without waiting, and grants waiters in order', async () => {
    const w = new InFlightWindow(3);
    expect(w.tryAcquire(2)).toBe(true);
    expect(w.tryAcquire(2)).toBe(false);
    const order: string[] = [];
    void w.acquire(2).then(() => order.push('two'));
    void w.acquire(1).then(() => order.push('one'));
    // A waiter is queued: tryAcquire does not jump the queue even though one slot is free.
    expect(w.tryAcquire(1)).toBe(false);
    w.release(2);
    await flush();
    expect(order).toEqual(['two', 'one']);
    expect(w.size).toBe(3);
  });

  it('resolves drained() when the last slot is released', async () => {
    const w = new InFlightWindow(2);
    w.tryAcquire(2);
    let drained = false;
    void w.drained().then(() => (drained = true));
    w.release();
    await flush();
    expect(drained).toBe(false);
    w.release();
    await flush();
    expect(drained).toBe(true);
  });

  it('rejects an aborted waiter and lets the next one in', async () => {
    const w = new InFlightWindow(1);
    w.tryAcquire();
    const abort = new AbortController();
    const first = w.acquire(1, abort.signal);
    const second = w.acquire(1);
    abort.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    w.release();
    await expect(second).resolves.toBeUndefined();
    expect(w.size).toBe(1);
  });
});
