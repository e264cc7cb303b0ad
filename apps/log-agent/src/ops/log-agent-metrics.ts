/**
 * The agent's Prometheus metrics, on the runtime's ServiceMetrics (a registry of its own, so two agents in one
 * test process do not share series). Everything per flow is read at scrape time from the parts' running totals
 * (processing counters, delivery stats, tailer stats), set as absolute values: nothing counts twice and a flow's
 * series exist from the first scrape. The producer's events become the same `kinesis_producer_*` series the
 * telemetry producer exports.
 *
 * The agent's own CloudWatch metrics (FileTailer / publisher counters such as RecordsParsed, BytesBehind,
 * RecordSendErrors: tailing/FileTailer.java, AsyncPublisher.java) are the model; `cloudwatch.emitMetrics` itself
 * is not supported (named at start): these are scraped instead.
 */
import { Counter, Gauge } from 'prom-client';
import { ServiceMetrics } from '@tributary/runtime';
import type { KinesisProducer } from '@tributary/kinesis-producer';
import type { FlowDeliveryStats } from '../delivery/flow-delivery';
import type { ProcessingCounters } from '../processing';
import type { TailerStats } from '../tailing/tailer-types';

/** What the metrics read of one flow at scrape time. */
export interface FlowMetricsSource {
  flowId: string;
  stream: string;
  counters: ProcessingCounters;
  delivery(): FlowDeliveryStats;
  tailerStats(): TailerStats | undefined;
}

type FlowTotal = (f: FlowMetricsSource) => number;

export class LogAgentMetrics extends ServiceMetrics {
  private flows: readonly FlowMetricsSource[] = [];
  private producers: KinesisProducer[] = [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super(options);
    this.declareFlowTotals();
    this.declareFlowState();
    this.declareProducerState();
  }

  bindFlows(flows: readonly FlowMetricsSource[]): void {
    this.flows = flows;
  }

  /** The series every flow has, as counters set to the running totals at scrape time. */
  private declareFlowTotals(): void {
    const total = (name: string, help: string, read: FlowTotal): void => {
      const flows = (): readonly FlowMetricsSource[] => this.flows;
      new Counter({
        name,
        help,
        labelNames: ['flow'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const f of flows()) this.inc({ flow: f.flowId }, read(f));
        },
      });
    };
    total('log_agent_lines_read_total', 'Lines read from the files of the flow (header lines and discarded lines included).', (f) => f.counters.linesRead);
    total('log_agent_records_framed_total', 'Records framed (a multi-line record counts once).', (f) => f.counters.recordsFramed);
    total('log_agent_parse_failures_total', 'Records LOGTOJSON could not parse (not sent, as the agent filters them).', (f) => f.counters.parseFailures);
    total('log_agent_records_dropped_total', 'Records the processing options dropped (parse failures included).', (f) => f.counters.recordsDropped);
    total('log_agent_conversion_errors_total', 'Records a converter failed on, sent unconverted (the agent\'s data processing errors).', (f) => f.counters.conversionErrors);
    total('log_agent_records_truncated_total', 'Records cut at the record limit and ended with truncatedRecordTerminator.', (f) => f.counters.recordsTruncated);
    total('log_agent_header_lines_skipped_total', 'Lines skipped by skipHeaderLines.', (f) => f.counters.headerLinesSkipped);
    total('log_agent_records_sent_total', 'Records handed to the producer (put again after an expiry counts once).', (f) => f.delivery().recordsSent);
    total('log_agent_records_acknowledged_total', 'Records Kinesis acknowledged.', (f) => f.delivery().recordsAcked);
    total('log_agent_bytes_sent_total', 'Data bytes of the records handed to the producer.', (f) => f.delivery().bytesSent);
    total('log_agent_records_resent_total', 'Records put again after they went unacknowledged for the record TTL (Kinesis away).', (f) => f.delivery().recordsResent);
    total('log_agent_records_rejected_total', 'Records Kinesis refused for good, passed so they do not hold the file.', (f) => f.delivery().recordsRejected);
  }

  private declareFlowState(): void {
    const flows = (): readonly FlowMetricsSource[] => this.flows;
    const perFlow = (name: string, help: string, read: FlowTotal): void => {
      new Gauge({
        name,
        help,
        labelNames: ['flow'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const f of flows()) this.set({ flow: f.flowId }, read(f));
        },
      });
    };
    perFlow('log_agent_records_in_flight', 'Records handed to the producer and not yet acknowledged.', (f) => f.delivery().inFlight);
    perFlow('log_agent_oldest_unsent_line_age_seconds', 'Time since the oldest line not yet acknowledged by Kinesis was read (0 when none waits).', (f) => f.delivery().oldestUnackedAgeMs / 1000);
    perFlow('log_agent_files_tracked', 'Files the flow follows (rotated ones still being read included).', (f) => f.tailerStats()?.filesTracked ?? 0);
    perFlow('log_agent_watching', '1 while the flow\'s directory is watched with inotify, 0 while it is polled.', (f) => (f.tailerStats()?.watching ? 1 : 0));
    const perFile = (name: string, help: string, read: (s: TailerStats['files'][number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['flow', 'path'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const f of flows()) for (const file of f.tailerStats()?.files ?? []) this.set({ flow: f.flowId, path: file.path }, read(file));
        },
      });
    };
    perFile('log_agent_bytes_behind', 'Bytes of the file not read yet (its size minus the read offset).', (s) => s.bytesBehind);
    perFile('log_agent_bytes_unacknowledged', 'Bytes of the file past its checkpoint (not yet acknowledged by Kinesis).', (s) => s.bytesUnacknowledged);
  }

  bindProducer(producer: KinesisProducer): void {
    this.producers.push(producer);
    producer.on('records-put', (e) => {
      this.producerUserRecordsPut.inc(e.userRecords);
      this.producerKinesisRecordsPut.inc(e.kinesisRecords);
      this.producerBytesPut.inc(e.bytes);
    });
    producer.on('retry', (e) => this.producerRetries.inc({ kind: e.kind }, e.userRecords));
    producer.on('throttle', (e) => this.producerThrottles.inc(e.kinesisRecords));
    producer.on('failure', (e) => this.producerFailures.inc({ code: e.code }, e.records));
    producer.on('request-error', (e) => this.producerRequestErrors.inc({ kind: e.kind }));
  }

  readonly producerUserRecordsPut = this.counter('kinesis_producer_user_records_put_total', 'User records acknowledged by Kinesis.');
  readonly producerKinesisRecordsPut = this.counter(
    'kinesis_producer_kinesis_records_put_total',
    'Kinesis records (KPL aggregates or single records) acknowledged; user records / this = aggregation ratio.',
  );
  readonly producerBytesPut = this.counter('kinesis_producer_bytes_put_total', 'Data and partition-key bytes of acknowledged Kinesis records.');
  readonly producerRetries = this.counter('kinesis_producer_retries_total', 'User records sent again after a failed attempt, by kind.', ['kind']);
  readonly producerThrottles = this.counter('kinesis_producer_throttles_total', 'Kinesis records refused with ProvisionedThroughputExceededException.');
  readonly producerFailures = this.counter('kinesis_producer_failures_total', 'User records that failed (expired ones are put again by the agent), by code.', ['code']);
  readonly producerRequestErrors = this.counter('kinesis_producer_request_errors_total', 'Whole PutRecords calls that failed, by kind.', ['kind']);

  private declareProducerState(): void {
    const sum = (read: (p: KinesisProducer) => number) => () => this.producers.reduce((n, p) => n + read(p), 0);
    this.scrapeGauge('kinesis_producer_buffered_records', 'Records accepted by the producers and not yet settled.', sum((p) => p.stats().bufferedRecords));
    this.scrapeGauge('kinesis_producer_buffered_bytes', 'Bytes of the buffered records.', sum((p) => p.stats().bufferedBytes));
    this.scrapeGauge('kinesis_producer_in_flight_requests', 'PutRecords calls in flight.', sum((p) => p.stats().inFlightRequests));
    this.scrapeGauge(
      'kinesis_producer_delivery_failing',
      '1 while PutRecords calls of a producer fail for reasons an outage explains (network, 5xx, timeouts).',
      () => this.producers.some((p) => p.deliveryStatus().state === 'degraded'),
    );
  }
}
