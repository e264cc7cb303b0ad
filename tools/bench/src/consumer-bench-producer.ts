/**
 * The writing side of the consumer bench, in a process of its own so that it does not share an event loop (or a
 * core's worth of CPU) with the consumer it feeds. Started by consumer-bench.ts as
 *
 *   node --import tsx tools/bench/src/consumer-bench-producer.ts '<ProducerInput as JSON>'
 *
 * Two modes, both through KinesisProducer (@tributary/kinesis-producer) with aggregation on:
 *
 *   fill    puts `records` user records as fast as the emulator takes them (per-shard pacing lifted: the
 *           emulator runs with limits off), bytes 0–3 of each the record's index; flushes; one result line.
 *   paced   puts `rate` records/s on a 1-ms tick, each stamped with its put() time (epochMs) when put() is
 *           called, first `warmupSeconds` of warm-up records, then `seconds` of measured ones (or, with 0, until
 *           SIGTERM); the linger (`maxBufferedTimeMs`) is set explicitly since it is part of put → handler.
 *           Writes `{"type":"measuring"}` when the measured phase starts and the result line at the end.
 */
import { randomBytes } from 'node:crypto';
import { KinesisProducer } from '@tributary/kinesis-producer';
import { AckCounter, BENCH_CREDENTIALS, BENCH_REGION, sleep } from './bench-support';
import {
  INDEX_OFFSET,
  PHASE_INDEX_OFFSET,
  PHASE_MEASURED,
  PHASE_OFFSET,
  PHASE_WARMUP,
  PUT_TIME_OFFSET,
  epochMs,
  writeLine,
  type ProducerInput,
  type ProducerResult,
} from './consumer-bench-protocol';

function deviceKeys(devices: number): string[] {
  const width = String(devices - 1).length;
  return Array.from({ length: devices }, (_, i) => `device-${String(i).padStart(width, '0')}`);
}

async function fill(input: Extract<ProducerInput, { mode: 'fill' }>): Promise<ProducerResult> {
  const producer = new KinesisProducer({
    streamName: input.stream,
    clientOptions: { endpoint: input.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS },
    aggregation: true,
    shardLimits: { recordsPerSecond: 1e9, bytesPerSecond: 1e12 },
  });
  const keys = deviceKeys(input.devices);
  const payload = randomBytes(input.recordBytes * 1024);
  const acks = new AckCounter();
  const started = performance.now();
  for (let i = 0; i < input.records; i++) {
    if (!producer.writable) await producer.whenWritable();
    const off = (i & 1023) * input.recordBytes;
    const data = Buffer.from(payload.subarray(off, off + input.recordBytes));
    data.writeUInt32LE(i, INDEX_OFFSET);
    producer.put({ partitionKey: keys[i % keys.length], data }).then(acks.ok, acks.fail);
  }
  await producer.flush();
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return { pid: process.pid, sent: input.records, acknowledged: acks.acknowledged, failed: acks.failed, measured: 0, seconds, measuredRate: 0 };
}

async function paced(input: Extract<ProducerInput, { mode: 'paced' }>): Promise<ProducerResult> {
  const producer = new KinesisProducer({
    streamName: input.stream,
    clientOptions: { endpoint: input.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS },
    aggregation: true,
    maxBufferedTimeMs: input.maxBufferedTimeMs,
  });
  const keys = deviceKeys(input.devices);
  const filler = randomBytes(input.recordBytes);
  let stopRequested = false;
  process.once('SIGTERM', () => (stopRequested = true));
  let acknowledged = 0;
  let failed = 0;
  let measuredAcknowledged = 0;
  const fail = (): void => {
    failed++;
  };
  writeLine({ type: 'started', t: epochMs() });
  const start = performance.now();
  const warmupMs = input.warmupSeconds * 1000;
  const endMs = input.seconds > 0 ? warmupMs + input.seconds * 1000 : Number.POSITIVE_INFINITY;
  let sent = 0;
  let measuredStart = Number.NaN;
  let measuredIndex = 0;
  let warmupIndex = 0;
  let measuredSent = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= endMs || stopRequested) break;
    const measuring = elapsed >= warmupMs;
    if (measuring && Number.isNaN(measuredStart)) {
      measuredStart = performance.now();
      writeLine({ type: 'measuring', t: epochMs() });
    }
    const due = Math.floor((elapsed * input.rate) / 1000);
    for (; sent < due; sent++) {
      const data = Buffer.from(filler);
      data.writeUInt8(measuring ? PHASE_MEASURED : PHASE_WARMUP, PHASE_OFFSET);
      data.writeUInt32LE(measuring ? measuredIndex++ : warmupIndex++, PHASE_INDEX_OFFSET);
      if (measuring) measuredSent++;
      // Stamped last, just before put(): the latency measured is put() → handler.
      data.writeDoubleLE(epochMs(), PUT_TIME_OFFSET);
      producer.put({ partitionKey: keys[sent % keys.length], data }).then(
        measuring
          ? () => {
              acknowledged++;
              measuredAcknowledged++;
            }
          : () => {
              acknowledged++;
            },
        fail,
      );
    }
    await sleep(1);
  }
  const measuredSeconds = Number.isNaN(measuredStart) ? 0 : (performance.now() - measuredStart) / 1000;
  await producer.flush();
  await producer.close();
  return {
    pid: process.pid,
    sent,
    acknowledged,
    failed,
    measured: measuredAcknowledged,
    seconds: (performance.now() - start) / 1000,
    measuredRate: measuredSeconds > 0 ? measuredSent / measuredSeconds : 0,
  };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as ProducerInput;
  const result = input.mode === 'fill' ? await fill(input) : await paced(input);
  writeLine({ type: 'result', result });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('consumer bench producer failed:', err);
    process.exit(1);
  },
);
