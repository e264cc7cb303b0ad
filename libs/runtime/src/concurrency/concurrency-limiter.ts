/**
 * At most `limit` tasks at once; the others wait in arrival order. For fan-outs to a service or a process pool
 * (conditional writes, ffmpeg runs) where unbounded `Promise.all` would overrun a connection pool or the CPU.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`ConcurrencyLimiter: a positive integer limit expected (got ${limit})`);
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** `fn` over `items` with at most `limit` calls at once; results in the order of `items`. Rejects on the first failure. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limiter = new ConcurrencyLimiter(Math.max(1, Math.min(limit, items.length || 1)));
  return Promise.all(items.map((item, index) => limiter.run(() => fn(item, index))));
}
