/**
 * The app's Prometheus metrics, on the runtime's ServiceMetrics (a registry of its own rather than prom-client's
 * global one, so that two app instances in one process (tests) do not share counters).
 *
 * The libs publish events (conventions.md §13); this file is where they become metrics: the simulator's typed
 * events and the producer's events (bound in `bindProducer`), plus the HTTP layer's own counters.
 */
import type { NextFunction, Request, Response } from 'express';
import { ServiceMetrics } from '@tributary/runtime';
import type { DurableProducer, KinesisProducer } from '@tributary/kinesis-producer';
import type { InFlightWindow } from './in-flight-window';
import type { DeviceSimulator } from './simulator/device-simulator';

export type RecordSource = 'http' | 'simulator';
export type RejectReason = 'invalid' | 'not_delivered';

/** Routes the API serves; anything else is counted as `other`, so a scan cannot blow up the label set. */
const KNOWN_ROUTES = new Set(['/v1/telemetry', '/healthz', '/readyz', '/metrics']);

export class TelemetryMetrics extends ServiceMetrics {
  readonly httpRequests = this.counter(
    'telemetry_producer_http_requests_total',
    'HTTP requests answered, by method, route and status.',
    ['method', 'route', 'status'],
  );

  readonly httpDuration = this.histogram(
    'telemetry_producer_http_request_duration_seconds',
    'Time from request to the end of the answer (includes waiting for Kinesis acknowledgements on ingest).',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ['method', 'route', 'status'],
  );

  readonly recordsAccepted = this.counter('telemetry_producer_records_accepted_total', 'Records acknowledged by Kinesis, by source.', ['source']);

  readonly recordsRejected = this.counter(
    'telemetry_producer_records_rejected_total',
    'Records not written: invalid (failed validation) or not_delivered (Kinesis did not acknowledge them in time).',
    ['source', 'reason'],
  );

  private ingestWindow: InFlightWindow | undefined;

  readonly simulatorDevices = this.gauge('telemetry_producer_simulator_devices', 'Simulated devices.');

  readonly simulatorSent = this.counter('telemetry_producer_simulator_records_sent_total', 'Simulated records handed to the producer.');

  readonly simulatorSkipped = this.counter(
    'telemetry_producer_simulator_skipped_slots_total',
    'Simulated readings skipped because the producer could not keep up.',
  );

  readonly producerUserRecordsPut = this.counter('kinesis_producer_user_records_put_total', 'User records acknowledged by Kinesis.');

  readonly producerKinesisRecordsPut = this.counter(
    'kinesis_producer_kinesis_records_put_total',
    'Kinesis records (KPL aggregates or single records) acknowledged; user records / this = aggregation ratio.',
  );

  readonly producerBytesPut = this.counter('kinesis_producer_bytes_put_total', 'Data and partition-key bytes of acknowledged Kinesis records.');

  readonly producerRetries = this.counter(
    'kinesis_producer_retries_total',
    'User records sent again after a failed attempt, by kind (throttled, transient).',
    ['kind'],
  );

  readonly producerThrottles = this.counter(
    'kinesis_producer_throttles_total',
    'Kinesis records refused with ProvisionedThroughputExceededException.',
  );

  readonly producerFailures = this.counter(
    'kinesis_producer_failures_total',
    'User records that failed for good, by code (RECORD_EXPIRED, RECORD_REJECTED).',
    ['code'],
  );

  readonly producerRequestErrors = this.counter(
    'kinesis_producer_request_errors_total',
    'Whole PutRecords calls that failed, by kind (throttled, transient, permanent).',
    ['kind'],
  );

  readonly producerRequestDuration = this.histogram(
    'kinesis_producer_request_duration_seconds',
    'Duration of successful PutRecords calls.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );

  readonly producerPutLatency = this.histogram(
    'kinesis_producer_put_latency_seconds',
    'put() to acknowledgement: one observation per PutRecords call, of the mean latency of its user records (linger, pacing and retries included).',
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );

  readonly bufferSpilled = this.counter(
    'telemetry_producer_buffer_spilled_records_total',
    'Simulated records written to the durable buffer (Kinesis unreachable or their time-to-live over).',
  );

  readonly bufferReplayed = this.counter(
    'telemetry_producer_buffer_replayed_records_total',
    'Records from the durable buffer acknowledged by Kinesis.',
  );

  readonly bufferDropped = this.counter(
    'telemetry_producer_buffer_dropped_records_total',
    'Records dropped from the durable buffer, by reason (max-bytes, max-age, rejected): the only loss it allows.',
    ['reason'],
  );

  private producer: KinesisProducer | undefined;
  private durable: DurableProducer | undefined;
  private isDegraded: () => boolean = () => false;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super(options);
    this.declareProducerState();
    this.declareAppState();
  }

  /** Gauges of the producer's state (not of events), read at scrape time from producer.stats(). */
  private declareProducerState(): void {
    const stat = (name: string, help: string, read: (p: KinesisProducer) => number): void =>
      this.scrapeGauge(name, help, () => (this.producer !== undefined ? read(this.producer) : undefined));
    stat('kinesis_producer_buffered_records', 'Records accepted by put() and not yet settled (queued, in flight or awaiting a retry).', (p) => p.stats().bufferedRecords);
    stat('kinesis_producer_buffered_bytes', 'Bytes of the buffered records.', (p) => p.stats().bufferedBytes);
    stat('kinesis_producer_waiting_puts', 'put() calls waiting for room in the buffer (backpressure).', (p) => p.stats().waitingPuts);
    stat('kinesis_producer_in_flight_requests', 'PutRecords calls in flight.', (p) => p.stats().inFlightRequests);
    stat('kinesis_producer_retrying_records', 'Records waiting for a retry.', (p) => p.stats().retryingRecords);
    stat('kinesis_producer_delivery_failing', '1 while PutRecords calls fail for reasons an outage explains (network, 5xx, timeouts), until records are stored again.', (p) =>
      p.deliveryStatus().state === 'degraded' ? 1 : 0,
    );
    stat('kinesis_producer_shards', 'Open shards in the producer\'s shard map.', (p) => p.stats().shards);
  }

  /** The app's own state and health: the ingest window, the durable buffer, degraded. */
  private declareAppState(): void {
    this.scrapeGauge('telemetry_producer_ingest_in_flight_records', 'Ingested records handed to the producer and not yet answered by Kinesis.', () => this.ingestWindow?.size ?? 0);
    this.scrapeGauge('telemetry_producer_buffer_records', 'Records in the durable buffer, not yet acknowledged by Kinesis.', () => this.durable?.stats().bufferedRecords ?? 0);
    this.scrapeGauge('telemetry_producer_buffer_bytes', 'Bytes of the durable buffer\'s segment files.', () => this.durable?.stats().bufferedBytes ?? 0);
    this.scrapeGauge(
      'telemetry_producer_degraded',
      '1 while Kinesis is unreachable or records wait in the durable buffer (the reasons are on /readyz), else 0.',
      () => this.isDegraded(),
    );
  }

  /** Express middleware counting every answered request. */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const stop = this.httpDuration.startTimer();
      res.on('finish', () => {
        const labels = { method: req.method, route: KNOWN_ROUTES.has(req.path) ? req.path : 'other', status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        stop(labels);
      });
      next();
    };
  }

  bindSimulator(simulator: DeviceSimulator): void {
    this.simulatorDevices.set(simulator.deviceIds.length);
    simulator.on('sent', () => this.simulatorSent.inc());
    simulator.on('acknowledged', () => this.recordsAccepted.inc({ source: 'simulator' }));
    simulator.on('failed', () => this.recordsRejected.inc({ source: 'simulator', reason: 'not_delivered' }));
    simulator.on('skipped', ({ slots }) => this.simulatorSkipped.inc(slots));
  }

  bindDurableBuffer(durable: DurableProducer): void {
    this.durable = durable;
    durable.on('spilled', (e) => this.bufferSpilled.inc(e.records));
    durable.on('replayed', (e) => {
      this.bufferReplayed.inc(e.records);
      // Acknowledged by Kinesis, later: what `acknowledged` counts for records sent at once.
      this.recordsAccepted.inc({ source: 'simulator' }, e.records);
    });
    durable.on('dropped', (e) => {
      this.bufferDropped.inc({ reason: e.reason }, e.records);
      this.recordsRejected.inc({ source: 'simulator', reason: 'not_delivered' }, e.records);
    });
  }

  bindDegraded(isDegraded: () => boolean): void {
    this.isDegraded = isDegraded;
  }

  bindIngestWindow(window: InFlightWindow): void {
    this.ingestWindow = window;
  }

  bindProducer(producer: KinesisProducer): void {
    this.producer = producer;
    producer.on('records-put', (e) => {
      this.producerUserRecordsPut.inc(e.userRecords);
      this.producerKinesisRecordsPut.inc(e.kinesisRecords);
      this.producerBytesPut.inc(e.bytes);
      this.producerRequestDuration.observe(e.requestDurationMs / 1000);
      this.producerPutLatency.observe(e.meanLatencyMs / 1000);
    });
    producer.on('retry', (e) => this.producerRetries.inc({ kind: e.kind }, e.userRecords));
    producer.on('throttle', (e) => this.producerThrottles.inc(e.kinesisRecords));
    producer.on('failure', (e) => this.producerFailures.inc({ code: e.code }, e.records));
    producer.on('request-error', (e) => this.producerRequestErrors.inc({ kind: e.kind }));
  }
}
