/**
 * Consumer workers (KinesisConsumer, @tributary/kinesis-consumer) against the emulator, in one run: throughput
 * per worker, end-to-end latency put() → handler, and failover time after a SIGKILL.
 *
 *   npm run bench:consumer -- [--runs 3] [--only throughput,latency,failover] [--records 1000000] [--shards 16]
 *                             [--consumer-options JSON] [--rate 5000] [--latency-seconds 20] [--linger-ms 10]
 *                             [--latency-shards 4] [--profile]
 *
 * Every side runs in a process of its own (2 cores: the emulator gets one, the process measured the other):
 * two emulators (bench-server.ts `emulator` with AWS's limits off, `emulator-aws-limits` with them on; Kinesis
 * and the DynamoDB lease tables on one port), the producer (consumer-bench-producer.ts) and every consumer worker
 * (consumer-bench-worker.ts), fresh per run.
 *
 * 1. Throughput per worker (emulator limits off). A stream of `--shards` shards is filled once with `--records`
 *    100-byte user records by KinesisProducer with aggregation on (~400 user records per Kinesis record of ~47 KB); each
 *    run then starts ONE worker under a fresh application name (a fresh lease table, so it reads everything
 *    again from TRIM_HORIZON) with deaggregation and checkpointing after every handler batch (checkpointAfter
 *    'batch'), a handler that touches every record (sums the data lengths, marks each record's index seen), and
 *    times the first record handed to the handler → the handler call that completed the set. Polling and
 *    enhanced fan-out (a fresh registered consumer per run, deregistered after). Reported: user records/s,
 *    CPU µs per record of the worker and of the emulator (/proc), peak RSS of the worker (50 ms samples).
 *    The polling reader keeps itself within AWS's read quota of 2 MiB/s per shard even against an emulator that
 *    does not enforce it, so its ceiling is shards × 2 MiB/s ÷ bytes per aggregated user record (~120 with
 *    10,000 distinct partition keys; printed): the default 16 shards put it near 280,000 records/s, 8 would cap
 *    it near 140,000 — on AWS as here. Enhanced fan-out has no such brake with limits off (the emulator then
 *    pushes events of up to 10 MiB; AWS's 2 MiB/s per shard and consumer would bound them). Options beyond the
 *    consumer's defaults are those of DEFAULT_THROUGHPUT_OPTIONS (consumer-bench-options.ts, why there); the worker also reports the
 *    leases it lost and took again, and the duplicates that followed.
 * 2. Latency put() → handler (emulator limits ON): a fresh `--latency-shards`-shard stream per run, a worker
 *    with the consumer's defaults (polling: 200-ms idle interval), then a producer paced at `--rate` records/s
 *    (aggregation on, linger `--linger-ms`: the linger is part of put → handler, so it is set and reported), 2 s
 *    of warm-up records, then `--latency-seconds` of measured ones. Each record carries its put() time
 *    (performance.timeOrigin + performance.now(), the same wall clock in every process of the machine, to a µs);
 *    the worker subtracts it from the time its handler was called. p50/p90/p99/max over the measured records;
 *    every measured record must arrive.
 * 3. Failover (emulator limits on): 3 workers with default settings (polling, 3-s leases, 1-s taker) on a 6-shard
 *    stream, 1,000 records/s flowing; once each worker holds 2 leases, one is killed with SIGKILL, and the
 *    failover time is kill → the last of its shards handled again by another worker (its first handler call
 *    there), as in libs/kinesis-consumer/src/consumer/failover.int.spec.ts.
 *
 * One untimed warm-up round of the throughput and latency variants first (the emulators' JIT; the workers are
 * fresh processes anyway), then `--runs` rounds, variants interleaved; medians of every figure. The figures of
 * one run go to tools/bench/results/consumer-latest.json with the machine, its load average and fingerprints of
 * the sources measured (compared before and after: other engineers may edit them while the bench runs).
 *
 * Files: the options (consumer-bench-options.ts), the child processes (consumer-bench-children.ts), one file per
 * part (consumer-bench-throughput.ts, -latency.ts, -failover.ts); this one starts the emulators, runs the parts
 * asked for and reports.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { BenchSession, fmtRate } from './bench-report';
import { BENCH_CREDENTIALS, BENCH_REGION, runBench, startServerProcess } from './bench-support';
import { failoverPart } from './consumer-bench-failover';
import { latencyPart } from './consumer-bench-latency';
import { LABELS, RETRIEVALS, USAGE, parseOptions, type BenchOptions, type Setup } from './consumer-bench-options';
import type { Retrieval } from './consumer-bench-protocol';
import { throughputPart } from './consumer-bench-throughput';

/** The code under test, fingerprinted before and after the bench. */
const SOURCES = ['libs/kinesis-consumer/src', 'libs/kinesis-producer/src', 'libs/emulator/src'];

/** The targets. */
const TARGET_RECORDS_PER_SECOND = 200_000;
const TARGET_P99_MS: Record<Retrieval, number> = { polling: 300, 'fan-out': 50 };
const TARGET_FAILOVER_MS = 5_000;

function printTargets(report: Record<string, Record<string, unknown>>): void {
  const lines: string[] = [];
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const tp = report['throughput'] as { variants: Record<Retrieval, { medians: { recordsPerSecond: number } }> } | undefined;
  if (tp) {
    for (const r of RETRIEVALS) {
      const v = tp.variants[r].medians.recordsPerSecond;
      lines.push(`throughput per worker, ${LABELS[r]}: >= ${fmtRate(TARGET_RECORDS_PER_SECOND)} records/s: ${fmtRate(v)} -> ${verdict(v >= TARGET_RECORDS_PER_SECOND)}`);
    }
  }
  const lat = report['latency'] as { variants: Record<Retrieval, { medians: { p99: number } }> } | undefined;
  if (lat) {
    for (const r of RETRIEVALS) {
      const v = lat.variants[r].medians.p99;
      lines.push(`put() -> handler p99, ${LABELS[r]}: <= ${TARGET_P99_MS[r]} ms: ${v.toFixed(1)} ms -> ${verdict(v <= TARGET_P99_MS[r])}`);
    }
  }
  const fo = report['failover'] as { medianFailoverMs: number } | undefined;
  if (fo) lines.push(`failover after SIGKILL, default settings: <= ${fmtRate(TARGET_FAILOVER_MS)} ms: ${fmtRate(fo.medianFailoverMs)} ms -> ${verdict(fo.medianFailoverMs <= TARGET_FAILOVER_MS)}`);
  console.log('\nTargets (medians):');
  for (const l of lines) console.log(`  ${l}`);
}

function adminClient(url: string): KinesisClient {
  return new KinesisClient({ endpoint: url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('consumer', SOURCES);
  console.log(`Consumer bench: ${options.parts.join(', ')}; ${options.runs} runs; ${session.machineSummary()}`);
  const [fast, aws] = await Promise.all([
    startServerProcess('emulator', [], { profile: options.profile }),
    startServerProcess('emulator-aws-limits', [], { profile: options.profile }),
  ]);
  const setup: Setup = { options, fast, aws, fastAdmin: adminClient(fast.url), awsAdmin: adminClient(aws.url) };
  const report: Record<string, Record<string, unknown>> = {};
  try {
    if (options.parts.includes('throughput')) report['throughput'] = await throughputPart(setup);
    if (options.parts.includes('latency')) report['latency'] = await latencyPart(setup);
    if (options.parts.includes('failover')) report['failover'] = await failoverPart(setup);
    printTargets(report);
    session.printClosingNotes('the consumer, producer or emulator');
    if (options.profile) console.log(`Emulator process ids (for their profiles): limits off ${fast.pid}, limits on ${aws.pid}`);
    session.writeResults({ options, ...report });
  } finally {
    setup.fastAdmin.destroy();
    setup.awsAdmin.destroy();
    await Promise.all([fast.stop(), aws.stop()]);
  }
}

runBench(USAGE, parseOptions, main);
