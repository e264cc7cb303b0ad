/**
 * Fixture of the worker-level integration suites: the emulator in process (KDS + DynamoDB on one port), a
 * KinesisProducer that writes numbered telemetry-like records per key (aggregation on, so the consumer
 * deaggregates), and a ledger of what handlers saw, with the checks the issue asks for: nothing lost, per-key
 * order of first deliveries, duplicates counted.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@tributary/emulator';
import { KinesisProducer } from '@tributary/kinesis-producer';
import type { ConsumerRecord } from '../consumer-types';
import type { ConsumerClientOptions } from '../retrieval/kinesis-clients';

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface ConsumerTestEnv {
  emu: RunningEmulator;
  kinesis: KinesisClient;
  clientOptions: ConsumerClientOptions;
  close(): Promise<void>;
}

export async function startConsumerTestEnv(options: EmulatorOptions = {}): Promise<ConsumerTestEnv> {
  const emu = await startEmulator({ port: 0, ...options });
  const kinesis = new KinesisClient({ endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
  return {
    emu,
    kinesis,
    clientOptions: { endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
    close: async () => {
      kinesis.destroy();
      await emu.close();
    },
  };
}

let counter = 0;
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;

export async function createActiveStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 500; i++) {
    const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** One numbered record: key `k`, number `n` (0, 1, 2, … per key). */
export interface Numbered {
  k: string;
  n: number;
}

export const encodeNumbered = (r: Numbered): string => JSON.stringify(r);
/** Decodes a record's data; `at` (shard and sequence number) makes failure messages say where it was read. */
export const decodeNumbered = (r: ConsumerRecord): Numbered & { at: string } => ({
  ...(JSON.parse(Buffer.from(r.data).toString('utf8')) as Numbered),
  at: `${r.shardId}@${r.sequenceNumber.slice(-8)}:${r.subSequenceNumber}`,
});

/** Writes numbered records per key in order (aggregated); `next` continues the numbering across calls. */
export class NumberedProducer {
  readonly next = new Map<string, number>();
  readonly producer: KinesisProducer;

  constructor(env: ConsumerTestEnv, streamName: string, options: { aggregation?: boolean } = {}) {
    this.producer = new KinesisProducer({
      streamName,
      clientOptions: env.clientOptions,
      aggregation: options.aggregation ?? true,
      maxBufferedTimeMs: 20,
      ordered: true,
    });
  }

  /** Puts `perKey` records for each of `keys` keys (interleaved), resolves when all are acknowledged. */
  async put(keys: number, perKey: number): Promise<number> {
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < perKey; i++) {
      for (let k = 0; k < keys; k++) {
        const key = `device-${k}`;
        const n = this.next.get(key) ?? 0;
        this.next.set(key, n + 1);
        acks.push(this.producer.put({ partitionKey: key, data: encodeNumbered({ k: key, n }) }));
      }
    }
    await Promise.all(acks);
    return acks.length;
  }

  total(): number {
    let sum = 0;
    for (const n of this.next.values()) sum += n;
    return sum;
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}

/** What the handlers saw, across workers. */
export class DeliveryLedger {
  readonly seen = new Map<string, Set<number>>();
  private readonly where = new Map<string, string>();
  deliveries = 0;
  duplicates = 0;
  /** Records delivered for the first time while an earlier number of the same key had not been: order breaks. */
  readonly orderViolations: string[] = [];
  readonly byWorker = new Map<string, number>();

  record(records: readonly (Numbered & { at?: string })[], worker = 'w'): void {
    for (const r of records) {
      this.deliveries++;
      this.byWorker.set(worker, (this.byWorker.get(worker) ?? 0) + 1);
      let set = this.seen.get(r.k);
      if (!set) this.seen.set(r.k, (set = new Set()));
      if (set.has(r.n)) {
        this.duplicates++;
        continue;
      }
      if (r.n > 0 && !set.has(r.n - 1) && this.orderViolations.length < 20) {
        this.orderViolations.push(`${r.k}#${r.n} (${r.at ?? '?'}, ${worker}) before #${r.n - 1}`);
      }
      set.add(r.n);
      if (r.at) this.where.set(`${r.k}#${r.n}`, r.at);
    }
  }

  /** Where a record was read (shard@sequence:sub), when known. */
  whereWas(key: string, n: number): string | undefined {
    return this.where.get(`${key}#${n}`);
  }

  /** Distinct records seen. */
  distinct(): number {
    let sum = 0;
    for (const s of this.seen.values()) sum += s.size;
    return sum;
  }

  /** Records `expected` has that were never seen (up to 20, for messages). */
  missing(expected: ReadonlyMap<string, number>): string[] {
    const out: string[] = [];
    for (const [k, count] of expected) {
      const set = this.seen.get(k) ?? new Set<number>();
      for (let n = 0; n < count && out.length < 20; n++) if (!set.has(n)) out.push(`${k}#${n}`);
    }
    return out;
  }
}
