/**
 * A clock that tests move by hand: `sleep()` waits until `advance()` passes its deadline. Between deadlines
 * `advance` lets pending promise callbacks and immediates run, so the code woken by one deadline can schedule the
 * next sleep before time moves on.
 */
import { abortError, type Clock } from '../clock';

interface Sleeper {
  at: number;
  resolve: () => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export const flushAsync = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  /** Sleepers waiting now. */
  get pending(): number {
    return this.sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { at: this.current + ms, resolve, reject, signal };
      if (signal) {
        sleeper.onAbort = () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(abortError());
        };
        signal.addEventListener('abort', sleeper.onAbort, { once: true });
      }
      this.sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking each sleeper at its deadline in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushAsync();
    for (;;) {
      const next = this.sleepers.reduce<Sleeper | undefined>((a, s) => (a === undefined || s.at < a.at ? s : a), undefined);
      if (!next || next.at > target) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      this.current = next.at;
      next.resolve();
      await flushAsync();
    }
    this.current = target;
    await flushAsync();
  }
}
