/**
 * One value loaded in the background while callers keep getting the previous one ("stale while revalidate"): the
 * stream list's ListStreams and camera-health Scan cover the whole fleet (1,000 streams: ~tens of ms of upstream
 * time and parsing), and a caller that happened to arrive when the shared answer expired used to wait for all of
 * it — the p99 of GET /api/streams. Here:
 *
 *   age < freshMs              the value, nothing else
 *   freshMs <= age < maxAgeMs  the value at once, and one load started behind it (never two at once)
 *   no value, or age >= maxAgeMs   wait for a load (shared by every caller meanwhile)
 *
 * A failed background load keeps the old value until it is `maxAgeMs` old; a failed load someone waits for is
 * thrown to every waiter and not kept. Age counts from when the load of the value started.
 */
import type { Clock } from '@tributary/runtime';

export interface RefreshingValueOptions<V> {
  load: () => Promise<V>;
  freshMs: number;
  maxAgeMs: number;
  clock: Clock;
  /** A background load failed (the caller logs it). */
  onBackgroundError?: (err: unknown) => void;
}

export class RefreshingValue<V> {
  private value: { v: V; at: number } | undefined;
  private loading: Promise<V> | undefined;

  constructor(private readonly options: RefreshingValueOptions<V>) {
    if (!(options.freshMs >= 0) || !(options.maxAgeMs >= options.freshMs)) throw new RangeError('RefreshingValue: 0 <= freshMs <= maxAgeMs expected');
  }

  get(): Promise<V> {
    const now = this.options.clock.now();
    const held = this.value;
    if (held && now - held.at < this.options.freshMs) return Promise.resolve(held.v);
    if (held && now - held.at < this.options.maxAgeMs) {
      if (!this.loading) this.refresh(now).catch((err: unknown) => this.options.onBackgroundError?.(err));
      return Promise.resolve(held.v);
    }
    return this.loading ?? this.refresh(now);
  }

  private refresh(startedAt: number): Promise<V> {
    const loading = this.options.load().then((v) => {
      // A slower, older load never replaces a newer value.
      if (!this.value || this.value.at <= startedAt) this.value = { v, at: startedAt };
      return v;
    });
    this.loading = loading;
    const done = (): void => {
      if (this.loading === loading) this.loading = undefined;
    };
    loading.then(done, done);
    return loading;
  }
}
