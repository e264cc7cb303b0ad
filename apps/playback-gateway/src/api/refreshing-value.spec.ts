import { FakeTimers } from '@tributary/runtime/testing';
import { RefreshingValue } from './refreshing-value';

/** A load whose answers the test releases one by one; counts the loads started. */
class Loads {
  started = 0;
  private pending: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  load = (): Promise<string> => {
    this.started++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  };
  async settle(value: string | Error): Promise<void> {
    const next = this.pending.shift();
    if (!next) throw new Error('no load pending');
    if (value instanceof Error) next.reject(value);
    else next.resolve(value);
    await new Promise((r) => setImmediate(r));
  }
}

describe('RefreshingValue', () => {
  let clock: FakeTimers;
  let loads: Loads;
  let errors: unknown[];
  let value: RefreshingValue<string>;
  beforeEach(() => {
    clock = new FakeTimers();
    loads = new Loads();
    errors = [];
    value = new RefreshingValue({ load: loads.load, freshMs: 2_000, maxAgeMs: 20_000, clock, onBackgroundError: (e) => errors.push(e) });
  });

  it('makes the first callers wait for one shared load, then serves it while fresh', async () => {
    const waiting = [value.get(), value.get(), value.get()];
    await loads.settle('v1');
    expect(await Promise.all(waiting)).toEqual(['v1', 'v1', 'v1']);
    await clock.advance(1_999);
    expect(await value.get()).toBe('v1');
    expect(loads.started).toBe(1);
  });

  it('serves the previous value at once past freshMs while one background load runs, then the new one', async () => {
    const first = value.get();
    await loads.settle('v1');
    await first;
    await clock.advance(2_000);
    expect(await value.get()).toBe('v1');
    expect(await value.get()).toBe('v1');
    expect(loads.started).toBe(2);
    await loads.settle('v2');
    expect(await value.get()).toBe('v2');
    expect(loads.started).toBe(2);
  });

  it('keeps the previous value when a background load fails, and reports the failure', async () => {
    const first = value.get();
    await loads.settle('v1');
    await first;
    await clock.advance(5_000);
    expect(await value.get()).toBe('v1');
    await loads.settle(new Error('throttled'));
    expect(errors).toHaveLength(1);
    expect(await value.get()).toBe('v1');
    expect(loads.started).toBe(3);
  });

  it('makes callers wait once the value is maxAgeMs old, and throws a failed load to them without keeping it', async () => {
    const first = value.get();
    await loads.settle('v1');
    await first;
    await clock.advance(20_000);
    const waiting = value.get();
    await loads.settle(new Error('down'));
    await expect(waiting).rejects.toThrow('down');
    const again = value.get();
    expect(loads.started).toBe(3);
    await loads.settle('v3');
    expect(await again).toBe('v3');
  });

  it('refuses freshMs above maxAgeMs', () => {
    expect(() => new RefreshingValue({ load: loads.load, freshMs: 10, maxAgeMs: 5, clock })).toThrow(RangeError);
  });
});
