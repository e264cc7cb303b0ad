import { ConcurrencyLimiter, mapWithConcurrency } from './concurrency-limiter';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const started: number[] = [];
    const release: (() => void)[] = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      limiter.run(
        () =>
          new Promise<number>((resolve) => {
            started.push(i);
            release[i] = () => resolve(i);
          }),
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([limiter.running, limiter.queued]).toEqual([2, 2]);
    release[1]();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    release[0]();
    release[2]();
    await tick();
    release[3]();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect([limiter.running, limiter.queued]).toEqual([0, 0]);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await limiter.run(async () => 5)).toBe(5);
    expect(limiter.running).toBe(0);
  });

  it.each([0, -1, 1.5, NaN])('refuses a limit of %p', (limit) => {
    expect(() => new ConcurrencyLimiter(limit)).toThrow(RangeError);
  });
});

describe('mapWithConcurrency', () => {
  it('keeps the order of the items and the bound', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 3, 2, 4], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n));
      active--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });

  it('maps an empty list to an empty list', async () => {
    expect(await mapWithConcurrency([], 3, async () => 1)).toEqual([]);
  });
});
