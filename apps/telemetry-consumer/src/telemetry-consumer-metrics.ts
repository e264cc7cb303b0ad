/**
 * The worker's Prometheus metrics, on the runtime's ServiceMetrics (a registry of its own, so that two workers in one
 * process (tests) do not share counters; process metrics; scrape-time gauges and totals).
 *
 * Two sources, as conventions.md §13 has it (libs publish, apps turn it into metrics):
 * - the app's own outcomes: the handler's batch outcomes, rollups written, files published, dead letters (counted
 *   as they pass through the dead-letter sink), device-state writes;
 * - the consumer library's state, read from `consumer.stats()` at scrape time: leases held, MillisBehindLatest per
 *   shard (gauges), and its running totals (records processed, dead-lettered, retries) turned into counters.
 *   Lease and shard events are counted as they come.
 */
import { ServiceMetrics } from '@tributary/runtime';
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

export class TelemetryConsumerMetrics extends ServiceMetrics {
  readonly records = this.counter(
    'telemetry_consumer_records_total',
    'Records handled, by result: valid (written to the sinks) or invalid (failed validation, sent to the DLQ).',
    ['result'],
  );

  readonly rollupReadings = this.counter(
    'telemetry_consumer_rollup_readings_total',
    'Valid readings offered to the minute rollups, by outcome: counted, late (minute already closed), duplicate (device seq seen), future (bogus clock).',
    ['outcome'],
  );

  readonly rollupsWritten = this.counter(
    'telemetry_consumer_rollups_written_total',
    'Per-device, per-minute, per-metric rollups written to the rollup files, by what closed them (watermark, idle, lease-lost, shutdown).',
    ['closed_by'],
  );

  readonly deviceStateWrites = this.counter(
    'telemetry_consumer_device_state_writes_total',
    'Device-state table writes, by result: written, or stale (the table held the same or a newer seq).',
    ['result'],
  );

  readonly rollupTableWrites = this.counter(
    'telemetry_consumer_rollup_table_writes_total',
    'Rollup table writes, by result: written, or superseded (the table held a fuller part of the same minute).',
    ['result'],
  );

  readonly batches = this.counter('telemetry_consumer_batches_total', 'Handler calls, by result: ok, or failed (a sink refused the batch; the consumer retries it).', ['result']);

  readonly batchDuration = this.histogram('telemetry_consumer_batch_duration_seconds', 'Handler time per batch: validation, rollups and every sink write.', [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);

  readonly filesPublished = this.counter(
    'telemetry_consumer_files_published_total',
    'NDJSON.gz files published, by sink (telemetry, rollups) and reason (size, age, evicted, flush, recovered).',
    ['sink', 'reason'],
  );

  readonly fileBytes = this.counter('telemetry_consumer_file_bytes_total', 'Bytes in published files, by sink and form (ndjson: uncompressed, gzip: on disk).', ['sink', 'form']);

  readonly deadLetters = this.counter(
    'telemetry_consumer_dead_letters_total',
    'Records written to the dead-letter destination, by condition (NonRetriableFailure, RetryAttemptsExhausted, RecordAgeExceeded) and error code.',
    ['condition', 'code'],
  );

  readonly consumerEvents = this.counter('kinesis_consumer_events_total', 'Consumer events: leaseAcquired, leaseLost, shardEnded, error.', ['event']);

  private sources: MetricsSources | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super(options);
    this.declareConsumerState();
    this.declareWorkerState();
  }

  /** The consumer library's state, read from `consumer.stats()` at scrape time. */
  private declareConsumerState(): void {
    const stats = (): ConsumerStatsView | undefined => this.sources?.consumerStats();
    this.scrapeGauge('kinesis_consumer_leases_held', 'Shard leases this worker holds.', () => stats()?.leasesHeld.length ?? 0);
    // Only the shards held now: a shard handed to another worker must not keep its last value here.
    this.scrapeGaugeByLabel(
      'kinesis_consumer_millis_behind_latest',
      'MillisBehindLatest of each shard this worker reads (from the last GetRecords / SubscribeToShard event).',
      'shard_id',
      () => (stats()?.shards ?? []).flatMap((s) => (s.millisBehindLatest !== undefined ? [[s.shardId, s.millisBehindLatest] as const] : [])),
    );
    // The library's running totals, as counters: each scrape adds what grew since the last one.
    this.scrapeTotal('kinesis_consumer_records_processed_total', 'User records the handler completed (dead-lettered ones are counted apart).', () => stats()?.recordsProcessed);
    this.scrapeTotal('kinesis_consumer_dead_lettered_total', 'Records the consumer sent to the dead-letter destination.', () => stats()?.deadLettered);
    this.scrapeTotal('kinesis_consumer_retries_total', 'Batch retries (after a handler failure).', () => stats()?.retries);
  }

  /** The worker's own state and health, read from the bound sources at scrape time. */
  private declareWorkerState(): void {
    const sources = (): MetricsSources | undefined => this.sources;
    this.scrapeGauge('telemetry_consumer_rollup_open_windows', 'Device-minutes open in the rollups.', () => sources()?.openRollupWindows() ?? 0);
    this.scrapeGauge('telemetry_consumer_rollups_pending', 'Closed rollups whose write failed, waiting for the next write.', () => sources()?.pendingRollups() ?? 0);
    this.scrapeGauge('telemetry_consumer_open_files', 'NDJSON.gz files open (temporary names) across the file sinks.', () => sources()?.openFiles() ?? 0);
    this.scrapeGaugeByLabel(
      'telemetry_consumer_dependency_up',
      'Whether a dependency answers (1) or fails now (0): kinesis, dynamodb (lease table), device-state-table, rollup-table, files.',
      'dependency',
      () => (sources()?.dependencies?.() ?? []).map((d) => [d.dependency, d.up] as const),
    );
    this.scrapeGauge(
      'telemetry_consumer_ready',
      'Whether the worker is ready (1: running with every dependency answering; 0: starting, stopping or degraded). GET /readyz says why.',
      () => sources()?.ready?.() === true,
    );
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
}
