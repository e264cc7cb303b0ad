/**
 * Part 2 of the consumer bench: put() -> handler latency at a paced rate, polling and enhanced fan-out (emulator
 * limits on); see consumer-bench.ts.
 */
import { CONSUMER_DEFAULTS, RETRIEVAL_DEFAULTS } from '@tributary/kinesis-consumer';
import { fmtRate, mediansOf, printMetricTable, type MetricRow } from './bench-report';
import { createStream, deleteStream, interleavedRuns } from './bench-support';
import { LineChild, messageOf, heldBy, producerResult, startProducer, startWorker } from './consumer-bench-children';
import { DEVICES, LABELS, RECORD_BYTES, RETRIEVALS, unique, type Setup } from './consumer-bench-options';
import type { LatencyRequest, LatencyResult, ProducerMessage, Retrieval } from './consumer-bench-protocol';

const LATENCY_WARMUP_SECONDS = 2;

interface LatencyMeasurement extends LatencyResult {
  pid: number;
  producedRate: number;
  measuredRecords: number;
}

async function latencyRun(setup: Setup, retrieval: Retrieval, seconds: number): Promise<LatencyMeasurement> {
  const { options, aws, awsAdmin } = setup;
  const stream = unique(`bench-consumer-latency-${retrieval}`);
  await createStream(awsAdmin, stream, options.latencyShards);
  const worker = startWorker({ mode: 'latency', url: aws.url, stream, applicationName: unique('bench-consumer-lat'), workerId: 'w1', retrieval, consumerOptions: options.latencyConsumerOptions }, options.profile);
  let producer: LineChild<ProducerMessage> | undefined;
  try {
    await worker.waitFor('start()', () => messageOf(worker, 'ready'), 60_000);
    await worker.waitFor('every lease', () => (heldBy(worker).size === options.latencyShards ? true : undefined), 30_000);
    producer = startProducer({
      mode: 'paced',
      url: aws.url,
      stream,
      rate: options.rate,
      warmupSeconds: LATENCY_WARMUP_SECONDS,
      seconds,
      devices: DEVICES,
      recordBytes: RECORD_BYTES,
      maxBufferedTimeMs: options.lingerMs,
    });
    const produced = await producerResult(producer, (seconds + LATENCY_WARMUP_SECONDS) * 1000 + 60_000);
    const request: LatencyRequest = { measured: produced.measured, timeoutMs: 15_000 };
    worker.send(request);
    const m = await worker.waitFor('the latency figures', () => messageOf(worker, 'latency'), 30_000);
    if (m.missing > 0) throw new Error(`${LABELS[retrieval]}: ${m.missing} of ${produced.measured} measured records never reached the handler`);
    return { ...m.result, pid: m.pid, producedRate: produced.measuredRate, measuredRecords: produced.measured };
  } finally {
    if (producer) await producer.stop(5_000);
    await worker.stop();
    await deleteStream(awsAdmin, stream).catch(() => undefined);
  }
}

const LATENCY_METRICS = ['p50', 'p90', 'p99', 'max', 'mean', 'records', 'duplicates', 'producedRate', 'handlerCallsPerSecond', 'checkpointsPerSecond'] as const satisfies readonly (keyof LatencyMeasurement)[];

export async function latencyPart(setup: Setup): Promise<Record<string, unknown>> {
  const { options } = setup;
  console.log(
    `\n2. Latency put() -> handler: ${fmtRate(options.rate)} records/s for ${options.latencySeconds} s per run (after ${LATENCY_WARMUP_SECONDS} s of warm-up records) ` +
      `into a fresh ${options.latencyShards}-shard stream; emulator with AWS's limits on; producer aggregation on, maxBufferedTimeMs ${options.lingerMs}; ` +
      `consumer defaults (polling idle time ${RETRIEVAL_DEFAULTS.polling.idleTimeBetweenReadsMs} ms, batchSize ${CONSUMER_DEFAULTS.batchSize}, checkpointAfter 'batch')` +
      (Object.keys(options.latencyConsumerOptions).length > 0 ? `, and ${JSON.stringify(options.latencyConsumerOptions)}.` : '.'),
  );
  for (const r of RETRIEVALS) await latencyRun(setup, r, Math.min(options.latencySeconds, 3));
  const raw = await interleavedRuns(
    options.runs,
    RETRIEVALS,
    (r) => latencyRun(setup, r, options.latencySeconds),
    (run, r, m) =>
      console.log(
        `   run ${run}/${options.runs} ${LABELS[r].padEnd(16)} p50 ${m.p50.toFixed(1)} ms  p90 ${m.p90.toFixed(1)} ms  p99 ${m.p99.toFixed(1)} ms  max ${m.max.toFixed(1)} ms  ` +
          `(${fmtRate(m.records)} records at ${fmtRate(m.producedRate)}/s${m.duplicates > 0 ? `, ${m.duplicates} duplicates` : ''})` +
          (options.profile ? `  (pid ${m.pid})` : ''),
      ),
  );
  const medians = Object.fromEntries(RETRIEVALS.map((r) => [r, mediansOf(raw[r], LATENCY_METRICS)])) as Record<Retrieval, Record<(typeof LATENCY_METRICS)[number], number>>;
  console.log('');
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  const rows: Array<MetricRow<Retrieval>> = [
    ['p50', (r) => ms(medians[r].p50)],
    ['p90', (r) => ms(medians[r].p90)],
    ['p99', (r) => ms(medians[r].p99)],
    ['max', (r) => ms(medians[r].max)],
    ['mean', (r) => ms(medians[r].mean)],
    ['measured records per run', (r) => fmtRate(medians[r].records)],
    ['handler calls / checkpoints per second', (r) => `${fmtRate(medians[r].handlerCallsPerSecond)} / ${fmtRate(medians[r].checkpointsPerSecond)}`],
  ];
  printMetricTable(`Medians, put() -> handler (linger ${options.lingerMs} ms)`, RETRIEVALS, (r) => LABELS[r], rows);
  return {
    rate: options.rate,
    seconds: options.latencySeconds,
    warmupSeconds: LATENCY_WARMUP_SECONDS,
    shards: options.latencyShards,
    producer: { aggregation: true, maxBufferedTimeMs: options.lingerMs },
    consumerOptions: options.latencyConsumerOptions,
    variants: Object.fromEntries(RETRIEVALS.map((r) => [r, { label: LABELS[r], runs: raw[r], medians: medians[r] }])),
  };
}
