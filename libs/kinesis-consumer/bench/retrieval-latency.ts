/**
 * Retrieval latency, put → batch, for the two retrieval modes with their defaults, against the emulator (AWS
 * limits on) in a child process of its own:
 *
 *   npx tsx libs/kinesis-consumer/bench/retrieval-latency.ts [--rate 1000] [--seconds 3] [--shards 4]
 *                                                         [--endpoint http://127.0.0.1:4566]
 *
 * A writer sends PutRecords every 10 ms (rate/100 records, random partition keys), each record carrying the
 * monotonic time just before its call was sent; a reader per shard (PollingRecordSource, then
 * FanOutRecordSource over one MultiplexedHttp2Handler) takes the time each batch arrives. Reported: p50/p90/p99/
 * max of (batch received − put call sent), in ms, per mode — the retrieval part of the put() → handler
 * latency (the producer's linger and the handler come on top). Not a test: figures depend on the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { noopLogger, type Checkpoint, type RecordSourceFactory, type ShardRecordSource } from '../src/consumer-types';
import { FanOutRecordSourceFactory } from '../src/retrieval/fan-out-record-source';
import { createConsumerKinesisClient, createFanOutKinesisClient } from '../src/retrieval/kinesis-clients';
import { PollingRecordSourceFactory } from '../src/retrieval/polling-record-source';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

async function startEmulatorChild(): Promise<{ url: string; child: ChildProcess }> {
  const entry = path.resolve(__dirname, '../../emulator/src/testing/emulator-child.ts');
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', entry, JSON.stringify({ limits: true })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n')) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { url, child };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function measure(
  mode: string,
  admin: KinesisClient,
  streamName: string,
  streamArn: string,
  shardIds: string[],
  factory: RecordSourceFactory,
  rate: number,
  seconds: number,
): Promise<void> {
  const latest: Checkpoint = { kind: 'sentinel', value: 'LATEST' };
  const sources: ShardRecordSource[] = await Promise.all(shardIds.map((shardId) => factory.open({ streamArn, streamName, shardId, start: latest })));
  const latencies: number[] = [];
  let reading = true;
  const readers = sources.map(async (source) => {
    while (reading) {
      const batch = await source.next(AbortSignal.timeout(1_000)).catch(() => undefined);
      const now = performance.now();
      for (const r of batch?.records ?? []) latencies.push(now - Number(Buffer.from(r.Data as Uint8Array).toString()));
    }
  });
  await new Promise((r) => setTimeout(r, 500)); // subscriptions up, iterators positioned
  const perTick = Math.max(1, Math.round(rate / 100));
  let sent = 0;
  const end = performance.now() + seconds * 1000;
  let next = performance.now();
  while (performance.now() < end) {
    const t = performance.now();
    const Records = Array.from({ length: perTick }, () => ({ Data: Buffer.from(t.toFixed(3)), PartitionKey: Math.random().toString(36).slice(2) }));
    const out = await admin.send(new PutRecordsCommand({ StreamName: streamName, Records }));
    sent += perTick - (out.FailedRecordCount ?? 0);
    next += 10;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const deadline = performance.now() + 3_000;
  while (latencies.length < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  reading = false;
  await Promise.all(readers);
  await factory.close();
  const sorted = latencies.slice().sort((a, b) => a - b);
  const f = (x: number): string => x.toFixed(1).padStart(7);
  console.log(
    `${mode.padEnd(8)} records ${String(sorted.length).padStart(6)}/${sent}  p50 ${f(percentile(sorted, 50))} ms  p90 ${f(percentile(sorted, 90))} ms  p99 ${f(percentile(sorted, 99))} ms  max ${f(sorted[sorted.length - 1] ?? NaN)} ms`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '3' }, shards: { type: 'string', default: '4' }, endpoint: { type: 'string' } },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const shards = Number(values.shards);
  const started = values.endpoint ? undefined : await startEmulatorChild();
  const endpoint = values.endpoint ?? (started?.url as string);
  const clientOptions = { endpoint, region: REGION, credentials: CREDENTIALS };
  const admin = createConsumerKinesisClient(clientOptions);
  try {
    const streamName = `latency-${Date.now().toString(36)}`;
    await admin.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
    let arn: string | undefined;
    for (let i = 0; i < 500 && !arn; i++) {
      const d = (await admin.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary;
      if (d?.StreamStatus === 'ACTIVE') arn = d.StreamARN;
      else await new Promise((r) => setTimeout(r, 20));
    }
    const shardIds = ((await admin.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? []).map((s) => s.ShardId as string);
    console.log(`${shards} shards, ${rate} records/s for ${seconds} s per mode, emulator ${endpoint} (AWS limits on), defaults of each mode`);

    const pollingClient = createConsumerKinesisClient(clientOptions);
    await measure('polling', admin, streamName, arn as string, shardIds, new PollingRecordSourceFactory({ client: pollingClient, logger: noopLogger }), rate, seconds);
    pollingClient.destroy();

    const { client: fanOutClient } = createFanOutKinesisClient(clientOptions);
    await measure('fan-out', admin, streamName, arn as string, shardIds, new FanOutRecordSourceFactory({ client: fanOutClient, consumerName: 'latency-bench' }), rate, seconds);
    fanOutClient.destroy();
  } finally {
    admin.destroy();
    started?.child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
