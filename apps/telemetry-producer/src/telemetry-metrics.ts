/**
 * The app's Prometheus metrics (prom-client), on a registry of its own rather than prom-client's global one, so
 * that two app instances in one process (tests) do not share counters.
 *
 * The libs publish events (conventions.md §13); this file is where they become metrics: the simulator's typed
 * events and the producer's events (bound in `bindProducer`), plus the HTTP layer's own counters.
 */
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DurableProducer, KinesisProducer } from '@tributary/kinesis-producer';
import type { InFlightWindow } from './in-flight-window';
import type { DeviceSimulator } from './simulator/device-simulator';

export type RecordSource = 'http' | 'simulator';
export type RejectReason = 'invalid' | 'not_delivered';

/** Routes the API serves; anything else is counted as `other`, so a scan cannot blow up the label set. */
const KNOWN_ROUTES = new Set(['/v1/telemetry', '/healthz', '/readyz', '/metrics']);

export class TelemetryMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'telemetry_producer_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'telemetry_producer_http_request_duration_seconds',
    help: 'Time from request to the end of the answer (includes waiting for Kinesis acknowledgements on ingest).',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly recordsAccepted = new Counter({
    name: 'telemetry_producer_records_accepted_total',
    help: 'Records acknowledged by Kinesis, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly recordsRejected = new Counter({
    name: 'telemetry_producer_records_rejected_total',
    help: 'Records not written: invalid (failed validation) or not_delivered (Kinesis did not acknowledge them in time).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  private ingestWindow: InFlightWindow | undefined;

  readonly simulatorDevices = new Gauge({
    name: 'telemetry_producer_simulator_devices',
    help: 'Simulated devices.',
    registers: [this.registry],
  });

  readonly simulatorSent = new Counter({
    name: 'telemetry_producer_simulator_records_sent_total',
    help: 'Simulated records handed to the producer.',
    registers: [this.registry],
  });

  readonly simulatorSkipped = new Counter({
    name: 'telemetry_producer_simulator_skipped_slots_total',
    help: 'Simulated readings skipped because the producer could not keep up.',
    registers: [this.registry],
  });

  readonly producerUserRecordsPut = new Counter({
    name: 'kinesis_producer_user_records_put_total',
    help: 'User records acknowledged by Kinesis.',
    registers: [this.registry],
  });

  readonly producerKinesisRecordsPut = new Counter({
    name: 'kinesis_producer_kinesis_records_put_total',
    help: 'Kinesis records (KPL aggregates or single records) acknowledged; user records / this = aggregation ratio.',
    registers: [this.registry],
  });

  readonly producerBytesPut = new Counter({
    name: 'kinesis_producer_bytes_put_total',
    help: 'Data and partition-key bytes of acknowledged Kinesis records.',
    registers: [this.registry],
  });

  readonly producerRetries = new Counter({
    name: 'kinesis_producer_retries_total',
    help: 'User records sent again after a failed attempt, by kind (throttled, transient).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly producerThrottles = new Counter({
    name: 'kinesis_producer_throttles_total',
    help: 'Kinesis records refused with ProvisionedThroughputExceededException.',
    registers: [this.registry],
  });

  readonly producerFailures = new Counter({
    name: 'kinesis_producer_failures_total',
    help: 'User records that failed for good, by code (RECORD_EXPIRED, RECORD_REJECTED).',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly producerRequestErrors = new Counter({
    name: 'kinesis_producer_request_errors_total',
    help: 'Whole PutRecords calls that failed, by kind (throttled, transient, permanent).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly producerRequestDuration = new Histogram({
    name: 'kinesis_producer_request_duration_seconds',
    help: 'Duration of successful PutRecords calls.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly producerPutLatency = new Histogram({
    name: 'kinesis_producer_put_latency_seconds',
    help: 'put() to acknowledgement: one observation per PutRecords call, of the mean latency of its user records (linger, pacing and retries included).',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly bufferSpilled = new Counter({
    name: 'telemetry_producer_buffer_spilled_records_total',
    help: 'Simulated records written to the durable buffer (Kinesis unreachable or their time-to-live over).',
    registers: [this.registry],
  });

  readonly bufferReplayed = new Counter({
    name: 'telemetry_producer_buffer_replayed_records_total',
    help: 'Records from the durable buffer acknowledged by Kinesis.',
    registers: [this.registry],
  });

  readonly bufferDropped = new Counter({
    name: 'telemetry_producer_buffer_dropped_records_total',
    help: 'Records dropped from the durable buffer, by reason (max-bytes, max-age, rejected): the only loss it allows.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private producer: KinesisProducer | undefined;
  private durable: DurableProducer | undefined;
  private isDegraded: () => boolean = () => false;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const current = (): KinesisProducer | undefined => this.producer;
    const stat = (name: string, help: string, read: (p: KinesisProducer) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        // Read at scrape time from producer.stats(): gauges of a state, not of events.
        collect() {
          const producer = current();
          if (producer) this.set(read(producer));
        },
      });
    };
    const ingestWindow = (): InFlightWindow | undefined => this.ingestWindow;
    new Gauge({
      name: 'telemetry_producer_ingest_in_flight_records',
      help: 'Ingested records handed to the producer and not yet answered by Kinesis.',
      registers: [this.registry],
      collect() {
        this.set(ingestWindow()?.size ?? 0);
      },
    });
    stat('kinesis_producer_buffered_records', 'Records accepted by put() and not yet settled (queued, in flight or awaiting a retry).', (p) => p.stats().bufferedRecords);
    stat('kinesis_producer_buffered_bytes', 'Bytes of the buffered records.', (p) => p.stats().bufferedBytes);
    stat('kinesis_producer_waiting_puts', 'put() calls waiting for room in the buffer (backpressure).', (p) => p.stats().waitingPuts);
    stat('kinesis_producer_in_flight_requests', 'PutRecords calls in flight.', (p) => p.stats().inFlightRequests);
    stat('kinesis_producer_retrying_records', 'Records waiting for a retry.', (p) => p.stats().retryingRecords);
    const durable = (): DurableProducer | undefined => this.durable;
    new Gauge({
      name: 'telemetry_producer_buffer_records',
      help: 'Records in the durable buffer, not yet acknowledged by Kinesis.',
      registers: [this.registry],
      collect() {
        this.set(durable()?.stats().bufferedRecords ?? 0);
      },
    });
    new Gauge({
      name: 'telemetry_producer_buffer_bytes',
      help: 'Bytes of the durable buffer\'s segment files.',
      registers: [this.registry],
      collect() {
        this.set(durable()?.stats().bufferedBytes ?? 0);
      },
    });
    const degraded = (): boolean => this.isDegraded();
    new Gauge({
      name: 'telemetry_producer_degraded',
      help: '1 while Kinesis is unreachable or records wait in the durable buffer (the reasons are on /readyz), else 0.',
      registers: [this.registry],
      collect() {
        this.set(degraded() ? 1 : 0);
      },
    });
    stat('kinesis_producer_delivery_failing', '1 while PutRecords calls fail for reasons an outage explains (network, 5xx, timeouts), until records are stored again.', (p) =>
      p.deliveryStatus().state === 'degraded' ? 1 : 0,
    );
    stat('kinesis_producer_shards', 'Open shards in the producer\'s shard map.', (p) => p.stats().shards);

    // Process metrics (CPU, memory, event-loop lag) are useful in production and cost a timer in tests.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
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

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
