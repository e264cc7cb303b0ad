/**
 * The consumer bench's options (`--help` prints USAGE), the figures its parts share, and what each part is given
 * (Setup): the two emulators and their admin clients.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { jsonObjectOption, onlyOption, parseBenchArgs, positiveIntegerOption, positiveOption, zeroOrPositiveOption } from './bench-args';
import type { ServerProcess } from './bench-support';
import type { Retrieval, TunedConsumerOptions } from './consumer-bench-protocol';

export const RECORD_BYTES = 100;
export const DEVICES = 10_000;

export const RETRIEVALS: readonly Retrieval[] = ['polling', 'fan-out'];
export const LABELS: Record<Retrieval, string> = { polling: 'polling', 'fan-out': 'enhanced fan-out' };
type Part = 'throughput' | 'latency' | 'failover';
const PARTS: readonly Part[] = ['throughput', 'latency', 'failover'];

/**
 * Throughput settings beyond the consumer's defaults (options a user sets; `--consumer-options` replaces them):
 * - batchSize 10,000 (the maximum; Lambda's BatchSize) rather than 1,000: checkpointAfter 'batch' then writes
 *   the lease once per 10,000 records instead of once per 1,000 (measured: ~4.5 against ~6.5 CPU µs/record).
 * - maxRecordsPerCall 20 (polling only): 20 aggregates of ~400 user records are ~0.9 MiB and ~8,000 records,
 *   about one handler batch per GetRecords. With the default 10,000 a catching-up reader gets each shard's whole
 *   backlog (up to 10 MiB) in one response, which is parsed and deaggregated in one go: the worker's event loop
 *   stalls for seconds, lease renewals miss the 3-s failover time, the lone worker drops its own leases and reads
 *   again from its last checkpoint (duplicates); it also delays every shard's first record.
 */
export const DEFAULT_THROUGHPUT_OPTIONS: TunedConsumerOptions = { batchSize: 10_000, maxRecordsPerCall: 20 };

export const USAGE = `Usage: npm run bench:consumer -- [options]

Measures KinesisConsumer workers against the emulator (child processes): user records/s of one worker (polling
and enhanced fan-out), put() -> handler latency at a paced rate, and failover time after a SIGKILL.

Options:
  --runs N              measured rounds (default 3); medians are reported
  --only LIST           comma-separated subset of throughput,latency,failover
  --records N           user records in the throughput stream (default 1000000)
  --shards N            shards of the throughput stream (default 16: polling reads <= 2 MiB/s per shard)
  --consumer-options JSON
                        KinesisConsumer options of the throughput workers, replacing the bench's
                        ${JSON.stringify(DEFAULT_THROUGHPUT_OPTIONS)} (batchSize, maxRecordsPerCall, idleTimeBetweenReadsMs)
  --latency-consumer-options JSON
                        KinesisConsumer options of the latency workers (default: none, the consumer's defaults)
  --rate N              put() rate of the latency runs, records/s (default 5000)
  --latency-seconds S   measured seconds per latency run (default 20)
  --latency-shards N    shards of the latency streams (default 4)
  --linger-ms N         the producer's maxBufferedTimeMs in the latency runs (default 10)
  --profile             run the consumer workers and the emulators with --cpu-prof; profiles go to
                        tools/bench/results/profiles/ (the per-run lines name each worker's process id)
  --help                this text
`;

export interface BenchOptions {
  runs: number;
  parts: Part[];
  records: number;
  shards: number;
  consumerOptions: TunedConsumerOptions;
  latencyConsumerOptions: TunedConsumerOptions;
  rate: number;
  latencySeconds: number;
  latencyShards: number;
  lingerMs: number;
  profile: boolean;
}

export function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(
    argv,
    ['runs', 'only', 'records', 'shards', 'consumer-options', 'latency-consumer-options', 'rate', 'latency-seconds', 'latency-shards', 'linger-ms'],
    ['profile'],
  );
  if (values === undefined) return undefined;
  const parts = onlyOption(values.only, PARTS);
  return {
    runs: positiveIntegerOption('runs', values.runs, 3),
    parts,
    records: positiveIntegerOption('records', values.records, 1_000_000),
    shards: positiveIntegerOption('shards', values.shards, 16),
    // The consumer validates them itself (a bad one fails the first run with its name).
    consumerOptions: jsonObjectOption('consumer-options', values['consumer-options']) ?? DEFAULT_THROUGHPUT_OPTIONS,
    latencyConsumerOptions: jsonObjectOption('latency-consumer-options', values['latency-consumer-options']) ?? {},
    rate: positiveOption('rate', values.rate, 5_000),
    latencySeconds: positiveOption('latency-seconds', values['latency-seconds'], 20),
    latencyShards: positiveIntegerOption('latency-shards', values['latency-shards'], 4),
    lingerMs: zeroOrPositiveOption('linger-ms', values['linger-ms'], 10),
    profile: values.profile ?? false,
  };
}

/** What every part of the bench is given: the emulators (limits off and on) and an admin client of each. */
export interface Setup {
  options: BenchOptions;
  fast: ServerProcess;
  aws: ServerProcess;
  fastAdmin: KinesisClient;
  awsAdmin: KinesisClient;
}

/** A stream or application name no earlier run used. */
export const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}`;
