/**
 * The worker's Prometheus metrics (prom-client), on a registry of its own rather than prom-client's global one,
 * so that two workers in one process (tests) do not share counters.
 *
 * Two sources, as conventions.md §13 has it (libs publish, apps turn it into metrics):
 * - the app's own outcomes: the handler's batch outcomes, rollups written, files published, dead letters (counted
 *   as they pass through the dead-letter sink), device-state writes;
 * - the consumer library's state, read from `consumer.stats()` at scrape time: leases held, MillisBehindLatest per
 *   shard (gauges), and its running totals (records processed, dead-lettered, retries) turned into counters.
 *   Lease and shard events are counted as they come.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerEventName, ConsumerStatsView, DeadLetterEntry } from './consumer-port';
import type { ClosedRollup } from './rollups/minute-rollup';
import type { CommittedFile } from './sinks/file-sink';
import type { BatchOutcome } from './telemetry-handler';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  consumerStats(): ConsumerStatsView | undefined;
  openRollupWindows(): number;
  pendingRollups(): number;
  openFiles(): number;
  /** Each dependency (services and sinks) and whether it answers now. */
  dependencies?(): Array<{ dependency: string; up: boolean }>;
  /** Running with every dependency answering. */
  ready?(): boolean;
}

export class TelemetryConsumerMetrics {
  readonly registry = new Registry();

  readonly records = new Counter({
    name: 'telemetry_consumer_records_total',
    help: 'Records handled, by result: valid (written to the sinks) or invalid (failed validation, sent to the DLQ).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly rollupReadings = new Counter({
    name: 'telemetry_consumer_rollup_readings_total',
    help: 'Valid readings offered to the minute rollups, by outcome: counted, late (minute already closed), duplicate (device seq seen), future (bogus clock).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly rollupsWritten = new Counter({
    name: 'telemetry_consumer_rollups_written_total',
    help: 'Per-device, per-minute, per-metric rollups written to the rollup files, by what closed them (watermark, idle, lease-lost, shutdown).',
    labelNames: ['closed_by'] as const,
    registers: [this.registry],
  });

  readonly deviceStateWrites = new Counter({
    name: 'telemetry_consumer_device_state_writes_total',
    help: 'Device-state table writes, by result: written, or stale (the table held the same or a newer seq).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly rollupTableWrites = new Counter({
    name: 'telemetry_consumer_rollup_table_writes_total',
    help: 'Rollup table writes, by result: written, or superseded (the table held a fuller part of the same minute).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly batches = new Counter({
    name: 'telemetry_consumer_batches_total',
    help: 'Handler calls, by result: ok, or failed (a sink refused the batch; the consumer retries it).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly batchDuration = new Histogram({
    name: 'telemetry_consumer_batch_duration_seconds',
    help: 'Handler time per batch: validation, rollups and every sink write.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly filesPublished = new Counter({
    name: 'telemetry_consumer_files_published_total',
    help: 'NDJSON.gz files published, by sink (telemetry, rollups) and reason (size, age, evicted, flush, recovered).',
    labelNames: ['sink', 'reason'] as const,
    registers: [this.registry],
  });

  readonly fileBytes = new Counter({
    name: 'telemetry_consumer_file_bytes_total',
    help: 'Bytes in published files, by sink and form (ndjson: uncompressed, gzip: on disk).',
    labelNames: ['sink', 'form'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'telemetry_consumer_dead_letters_total',
    help: 'Records written to the dead-letter destination, by condition (NonRetriableFailure, RetryAttemptsExhausted, RecordAgeExceeded) and error code.',
    labelNames: ['condition', 'code'] as const,
    registers: [this.registry],
  });

  readonly consumerEvents = new Counter({
    name: 'kinesis_consumer_events_total',
    help: 'Consumer events: leaseAcquired, leaseLost, shardEnded, error.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  private sources: MetricsSources | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const sources = (): MetricsSources | undefined => this.sources;
    const stats = (): ConsumerStatsView | undefined => sources()?.consumerStats();

    new Gauge({
      name: 'kinesis_consumer_leases_held',
      help: 'Shard leases this worker holds.',
      registers: [this.registry],
      collect() {
        this.set(stats()?.leasesHeld.length ?? 0);
      },
    });
    new Gauge({
      name: 'kinesis_consumer_millis_behind_latest',
      help: 'MillisBehindLatest of each shard this worker reads (from the last GetRecords / SubscribeToShard event).',
      labelNames: ['shard_id'] as const,
      registers: [this.registry],
      collect() {
        // Only the shards held now: a shard handed to another worker must not keep its last value here.
        this.reset();
        for (const shard of stats()?.shards ?? []) {
          if (shard.millisBehindLatest !== undefined) this.set({ shard_id: shard.shardId }, shard.millisBehindLatest);
        }
      },
    });
    // The library's running totals, as counters: each scrape adds what grew since the last one.
    const total = (name: string, help: string, read: (s: ConsumerStatsView) => number): void => {
      let last = 0;
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const s = stats();
          if (!s) return;
          const value = read(s);
          if (value > last) this.inc(value - last);
          last = Math.max(last, value);
        },
      });
    };
    total('kinesis_consumer_records_processed_total', 'User records the handler completed (dead-lettered ones are counted apart).', (s) => s.recordsProcessed);
    total('kinesis_consumer_dead_lettered_total', 'Records the consumer sent to the dead-letter destination.', (s) => s.deadLettered);
    total('kinesis_consumer_retries_total', 'Batch retries (after a handler failure).', (s) => s.retries);
    new Gauge({
      name: 'telemetry_consumer_rollup_open_windows',
      help: 'Device-minutes open in the rollups.',
      registers: [this.registry],
      collect() {
        this.set(sources()?.openRollupWindows() ?? 0);
      },
    });
    new Gauge({
      name: 'telemetry_consumer_rollups_pending',
      help: 'Closed rollups whose write failed, waiting for the next write.',
      registers: [this.registry],
      collect() {
        this.set(sources()?.pendingRollups() ?? 0);
      },
    });
    new Gauge({
      name: 'telemetry_consumer_open_files',
      help: 'NDJSON.gz files open (temporary names) across the file sinks.',
      registers: [this.registry],
      collect() {
        this.set(sources()?.openFiles() ?? 0);
      },
    });

    new Gauge({
      name: 'telemetry_consumer_dependency_up',
      help: 'Whether a dependency answers (1) or fails now (0): kinesis, dynamodb (lease table), device-state-table, rollup-table, files.',
      labelNames: ['dependency'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const d of sources()?.dependencies?.() ?? []) this.set({ dependency: d.dependency }, d.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'telemetry_consumer_ready',
      help: 'Whether the worker is ready (1: running with every dependency answering; 0: starting, stopping or degraded). GET /readyz says why.',
      registers: [this.registry],
      collect() {
        this.set(sources()?.ready?.() ? 1 : 0);
      },
    });

    // Process metrics (CPU, memory, event-loop lag) are useful in production and cost a timer in tests.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  bindSources(sources: MetricsSources): void {
    this.sources = sources;
  }

  recordBatch(o: BatchOutcome): void {
    this.batches.inc({ result: o.error === undefined ? 'ok' : 'failed' });
    this.batchDuration.observe(o.durationMs / 1000);
    if (o.error !== undefined) return;
    this.records.inc({ result: 'valid' }, o.valid);
    this.records.inc({ result: 'invalid' }, o.invalid);
    for (const [outcome, n] of Object.entries(o.rollup)) if (n > 0) this.rollupReadings.inc({ outcome }, n);
    if (o.state.written > 0) this.deviceStateWrites.inc({ result: 'written' }, o.state.written);
    if (o.state.stale > 0) this.deviceStateWrites.inc({ result: 'stale' }, o.state.stale);
  }

  recordRollupTableWrites(result: { written: number; superseded: number }): void {
    if (result.written > 0) this.rollupTableWrites.inc({ result: 'written' }, result.written);
    if (result.superseded > 0) this.rollupTableWrites.inc({ result: 'superseded' }, result.superseded);
  }

  recordRollups(rollups: readonly ClosedRollup[]): void {
    for (const r of rollups) this.rollupsWritten.inc({ closed_by: r.closedBy });
  }

  recordFile(sink: string, file: CommittedFile): void {
    this.filesPublished.inc({ sink, reason: file.reason });
    this.fileBytes.inc({ sink, form: 'ndjson' }, file.bytes);
    this.fileBytes.inc({ sink, form: 'gzip' }, file.compressedBytes);
  }

  recordDeadLetters(entries: readonly DeadLetterEntry[]): void {
    for (const e of entries) this.deadLetters.inc({ condition: e.condition, code: e.error.code ?? e.error.name });
  }

  recordEvent(event: ConsumerEventName): void {
    this.consumerEvents.inc({ event });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
