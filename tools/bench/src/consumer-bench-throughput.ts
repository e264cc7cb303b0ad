/**
 * Part 1 of the consumer bench: the throughput of one worker, polling and enhanced fan-out, over a stream filled
 * once (emulator limits off); see consumer-bench.ts.
 */
import { DeregisterStreamConsumerCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { RETRIEVAL_DEFAULTS } from '@tributary/kinesis-consumer';
import { deaggregate } from '@tributary/kpl';
import { fmtCpuPercent, fmtMiB, fmtMicros, fmtRate, mediansOf, printMetricTable, type MetricRow } from './bench-report';
import { createStream, deleteStream, interleavedRuns } from './bench-support';
import { messageOf, producerResult, startProducer, startWorker } from './consumer-bench-children';
import { DEVICES, LABELS, RECORD_BYTES, RETRIEVALS, unique, type Setup } from './consumer-bench-options';
import type { Retrieval, ThroughputResult } from './consumer-bench-protocol';

interface ThroughputMeasurement extends ThroughputResult {
  pid: number;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  emulatorCpuMicrosPerRecord: number;
  cpuPercent: number;
  emulatorCpuPercent: number;
}

/** Bytes (data + partition key, what the read quota counts) per user record of the filled stream. */
async function bytesPerUserRecord(admin: KinesisClient, stream: string): Promise<number> {
  const shards = (await admin.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const iterator = (await admin.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shards[0]?.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out = await admin.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 50 }));
  let bytes = 0;
  let users = 0;
  for (const r of out.Records ?? []) {
    const data = r.Data as Uint8Array;
    bytes += data.length + (r.PartitionKey ?? '').length;
    users += deaggregate(data)?.length ?? 1;
  }
  return users > 0 ? bytes / users : Number.NaN;
}

async function throughputRun(setup: Setup, stream: string, retrieval: Retrieval, tag: string): Promise<ThroughputMeasurement> {
  const { options, fast, fastAdmin } = setup;
  const applicationName = unique(`bench-consumer-tp-${retrieval}-${tag}`);
  const worker = startWorker(
    {
      mode: 'throughput',
      url: fast.url,
      stream,
      applicationName,
      workerId: 'w1',
      retrieval,
      emulatorPid: fast.pid,
      records: options.records,
      consumerOptions: options.consumerOptions,
    },
    options.profile,
  );
  try {
    const m = await worker.waitFor('every record handled', () => messageOf(worker, 'throughput'), 300_000);
    await worker.exited;
    const r = m.result;
    if (r.records !== options.records || r.dataBytes < options.records * RECORD_BYTES) {
      throw new Error(`${LABELS[retrieval]}: ${r.records} distinct records handled (${r.dataBytes} bytes), the stream holds ${options.records}`);
    }
    return {
      ...r,
      pid: m.pid,
      recordsPerSecond: r.records / r.seconds,
      cpuMicrosPerRecord: (r.ownCpuSeconds * 1e6) / r.records,
      emulatorCpuMicrosPerRecord: (r.emulatorCpuSeconds * 1e6) / r.records,
      cpuPercent: (r.ownCpuSeconds / r.seconds) * 100,
      emulatorCpuPercent: (r.emulatorCpuSeconds / r.seconds) * 100,
    };
  } finally {
    if (worker.proc.exitCode === null && worker.proc.signalCode === null) worker.proc.kill('SIGKILL');
    if (retrieval === 'fan-out') {
      const arn = (await fastAdmin.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamARN;
      await fastAdmin.send(new DeregisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: applicationName })).catch(() => undefined);
    }
  }
}

const THROUGHPUT_METRICS = [
  'recordsPerSecond',
  'seconds',
  'cpuMicrosPerRecord',
  'emulatorCpuMicrosPerRecord',
  'cpuPercent',
  'emulatorCpuPercent',
  'peakRssBytes',
  'peakHeapUsedBytes',
  'maxRssBytes',
  'startupSeconds',
  'handlerCalls',
  'kinesisRecords',
  'checkpoints',
  'leasesLost',
  'duplicates',
] as const satisfies readonly (keyof ThroughputMeasurement)[];

export async function throughputPart(setup: Setup): Promise<Record<string, unknown>> {
  const { options, fast, fastAdmin } = setup;
  const stream = unique('bench-consumer-throughput');
  await createStream(fastAdmin, stream, options.shards);
  try {
    const fillStarted = performance.now();
    const filler = startProducer({ mode: 'fill', url: fast.url, stream, records: options.records, devices: DEVICES, recordBytes: RECORD_BYTES });
    const filled = await producerResult(filler, 300_000);
    const perRecord = await bytesPerUserRecord(fastAdmin, stream);
    const maxBytes = RETRIEVAL_DEFAULTS.polling.maxBytesPerSecond;
    const pollingCeiling = (options.shards * maxBytes) / perRecord;
    console.log(
      `\n1. Throughput of one worker: ${fmtRate(options.records)} user records of ${RECORD_BYTES} bytes in a ${options.shards}-shard stream (put in ` +
        `${((performance.now() - fillStarted) / 1000).toFixed(1)} s, ${fmtRate(filled.acknowledged / filled.seconds)} records/s, aggregated: ` +
        `${perRecord.toFixed(1)} bytes per user record); emulator limits off; deaggregation and checkpointAfter 'batch' on; ` +
        `options beyond the defaults: ${JSON.stringify(options.consumerOptions)}.`,
    );
    console.log(
      `   Polling keeps within ${fmtMiB(maxBytes)}/s per shard (AWS's read quota): at most ${fmtRate(pollingCeiling)} user records/s with ${options.shards} shards.`,
    );
    for (const r of RETRIEVALS) await throughputRun(setup, stream, r, 'warmup');
    const raw = await interleavedRuns(
      options.runs,
      RETRIEVALS,
      (r, run) => throughputRun(setup, stream, r, String(run)),
      (run, r, m) =>
        console.log(
          `   run ${run}/${options.runs} ${LABELS[r].padEnd(16)} ${fmtRate(m.recordsPerSecond).padStart(9)} records/s in ${m.seconds.toFixed(2)} s  ` +
            `cpu worker/emulator ${fmtCpuPercent(m.cpuPercent)}/${fmtCpuPercent(m.emulatorCpuPercent)}  µs/record ${fmtMicros(m.cpuMicrosPerRecord)}/${fmtMicros(m.emulatorCpuMicrosPerRecord)}  ` +
            `peak RSS ${fmtMiB(m.peakRssBytes)}  ${m.handlerCalls} handler calls, ${m.checkpoints} checkpoints` +
            (m.leasesLost > 0 ? `, ${m.leasesLost} leases lost and taken again` : '') +
            (m.duplicates > 0 ? `, ${m.duplicates} duplicates` : '') +
            (options.profile ? `  (pid ${m.pid})` : ''),
        ),
    );
    const medians = Object.fromEntries(RETRIEVALS.map((r) => [r, mediansOf(raw[r], THROUGHPUT_METRICS)])) as Record<Retrieval, Record<(typeof THROUGHPUT_METRICS)[number], number>>;
    console.log('');
    const rows: Array<MetricRow<Retrieval>> = [
      ['user records/s (first record -> last handled)', (r) => fmtRate(medians[r].recordsPerSecond)],
      ['CPU µs per user record, worker', (r) => fmtMicros(medians[r].cpuMicrosPerRecord)],
      ['CPU µs per user record, emulator', (r) => fmtMicros(medians[r].emulatorCpuMicrosPerRecord)],
      ['CPU use, worker / emulator (% of a core)', (r) => `${fmtCpuPercent(medians[r].cpuPercent)} / ${fmtCpuPercent(medians[r].emulatorCpuPercent)}`],
      ['peak RSS, worker (50 ms samples)', (r) => fmtMiB(medians[r].peakRssBytes)],
      ['peak heap used, worker', (r) => fmtMiB(medians[r].peakHeapUsedBytes)],
      ['seconds per run', (r) => medians[r].seconds.toFixed(2)],
      ['start() -> first record, s', (r) => medians[r].startupSeconds.toFixed(2)],
      ['handler calls / checkpoints per run', (r) => `${fmtRate(medians[r].handlerCalls)} / ${fmtRate(medians[r].checkpoints)}`],
      ['Kinesis records (aggregates) read', (r) => fmtRate(medians[r].kinesisRecords)],
      ['leases lost and taken again / duplicates', (r) => `${fmtRate(medians[r].leasesLost)} / ${fmtRate(medians[r].duplicates)}`],
    ];
    printMetricTable('Medians, one worker', RETRIEVALS, (r) => LABELS[r], rows);
    return {
      stream: { shards: options.shards, records: options.records, recordBytes: RECORD_BYTES, bytesPerUserRecord: perRecord, fillSeconds: filled.seconds },
      consumerOptions: options.consumerOptions,
      pollingCeilingRecordsPerSecond: pollingCeiling,
      variants: Object.fromEntries(RETRIEVALS.map((r) => [r, { label: LABELS[r], runs: raw[r], medians: medians[r] }])),
    };
  } finally {
    await deleteStream(fastAdmin, stream).catch(() => undefined);
  }
}
