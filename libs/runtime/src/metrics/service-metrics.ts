/**
 * The Prometheus side every app shares (conventions.md §13: libs publish events, apps turn them into metrics): a
 * registry of the app's own rather than prom-client's global one (two app instances in one test process must not
 * share counters), the process metrics, `render()` for GET /metrics, and the three shapes each app wrote by hand:
 * metrics declared on that registry, gauges read at scrape time from the app's state (health, depths, leases), and
 * a library's running totals turned into counters. An app's metrics class extends it and declares only its series.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetricsOptions {
  /** Process metrics (CPU, memory, event-loop lag): useful in production, a timer in tests. On by default. */
  defaultMetrics?: boolean;
  /** Prefix of the process metrics' names (`video_producer_` → `video_producer_process_cpu_seconds_total`). */
  defaultMetricsPrefix?: string;
}

export class ServiceMetrics {
  readonly registry = new Registry();

  constructor(options: ServiceMetricsOptions = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, ...(options.defaultMetricsPrefix !== undefined ? { prefix: options.defaultMetricsPrefix } : {}) });
    }
  }

  /** GET /metrics: Prometheus text format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  protected counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  protected gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  protected histogram<L extends string = never>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  /** A gauge of a state, read at scrape time; `undefined` (nothing bound yet) leaves the last value. */
  protected scrapeGauge(name: string, help: string, read: () => number | boolean | undefined): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const value = read();
        if (value !== undefined) this.set(typeof value === 'boolean' ? (value ? 1 : 0) : value);
      },
    });
  }

  /**
   * A gauge with one label, read at scrape time: reset first, so that a value no longer reported (a shard handed
   * to another worker, a dependency removed) does not keep its last value.
   */
  protected scrapeGaugeByLabel(name: string, help: string, label: string, read: () => Iterable<readonly [string, number | boolean]>): void {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [key, value] of read()) this.set({ [label]: key }, typeof value === 'boolean' ? (value ? 1 : 0) : value);
      },
    });
  }

  /**
   * A library's running total (a `stats()` field that only grows) as a counter: each scrape adds what grew since
   * the last one; `undefined` (nothing bound yet) adds nothing.
   */
  protected scrapeTotal(name: string, help: string, read: () => number | undefined): void {
    let last = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const value = read();
        if (value === undefined) return;
        if (value > last) this.inc(value - last);
        last = Math.max(last, value);
      },
    });
  }
}
