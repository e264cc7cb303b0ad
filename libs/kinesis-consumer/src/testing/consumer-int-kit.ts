/**
 * Fixture of the consumer's integration suites (leases, shard sync, retrieval, whole workers): the emulator in
 * process on port 0 (KDS and its embedded DynamoDB on one port) with official SDK v3 clients, built on the
 * emulator's own fixtures (`@tributary/emulator/testing`: constants, clients, stream helpers, unique names).
 * Also a KinesisProducer that writes numbered telemetry-like records per key (aggregation on, so the consumer
 * deaggregates), and a ledger of what handlers saw, with the checks the issue asks for: nothing lost, per-key
 * order of first deliveries, duplicates counted.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { EmulatorOptions, RunningEmulator } from '@tributary/emulator';
import {
  DDB_HTTP1_DEFAULT,
  HTTP1_NODE,
  TEST_CREDENTIALS,
  TEST_REGION,
  createDynamoDbClient,
  startKdsTestEmulator,
} from '@tributary/emulator/testing';
import { KinesisProducer } from '@tributary/kinesis-producer';
import type { ConsumerRecord } from '../consumer-types';
import { FileDeadLetterSink } from '../processing/dead-letter-sinks';
import type { BatchHandler } from '../processing/processing-types';
import type { ConsumerClientOptions } from '../retrieval/kinesis-clients';

export interface ConsumerTestEnv {
  emu: RunningEmulator;
  /** Kinesis client over HTTP/1.1 keep-alive (NodeHttpHandler) for the test's own calls (create, put, split). */
  kinesis: KinesisClient;
  /** DynamoDB client over the SDK's default handler (HTTP/1.1). */
  dynamo: DynamoDBClient;
  /** What the consumer's (and the producer's) own clients are given to reach the emulator. */
  clientOptions: ConsumerClientOptions;
  /** Another Kinesis client (HTTP/1.1 unless `config.requestHandler` says otherwise), destroyed by close(). */
  makeKinesisClient(config?: Partial<KinesisClientConfig>): KinesisClient;
  /** Another DynamoDB client (HTTP/1.1, the SDK's default), destroyed by close(). */
  makeDynamoDbClient(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  /** Destroys every client made here, then closes the emulator. */
  close(): Promise<void>;
}

/** Starts an emulator (in memory, port 0 unless `options` say otherwise) and the clients of a consumer test. */
export async function startConsumerTestEnv(options: EmulatorOptions = {}): Promise<ConsumerTestEnv> {
  const kds = await startKdsTestEmulator(options);
  const dynamoClients: DynamoDBClient[] = [];
  const makeDynamoDbClient = (config: Partial<DynamoDBClientConfig> = {}): DynamoDBClient => {
    const client = createDynamoDbClient(kds.emu.url, DDB_HTTP1_DEFAULT, config);
    dynamoClients.push(client);
    return client;
  };
  return {
    emu: kds.emu,
    kinesis: kds.clients[HTTP1_NODE],
    dynamo: makeDynamoDbClient(),
    clientOptions: { endpoint: kds.emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
    makeKinesisClient: (config = {}) => kds.makeClient(HTTP1_NODE, config),
    makeDynamoDbClient,
    close: async () => {
      for (const c of dynamoClients.splice(0)) c.destroy();
      await kds.close();
    },
  };
}

/** Real-time waits of the integration specs: node:timers/promises (the runtime's `sleep` is for injected timers). */
export { sleep };

export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** A dead-letter file in a fresh temporary folder (`dir`, to remove at the end) and its sink (to close after the consumer). */
export async function tempDeadLetterFile(prefix: string): Promise<{ dir: string; path: string; sink: FileDeadLetterSink }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'dlq.ndjson');
  return { dir, path: file, sink: new FileDeadLetterSink({ path: file }) };
}

/**
 * A handler of numbered records that rejects every batch holding the poison record `k#n` (counting the calls with
 * the poison alone, the ones that spend its retry budget once bisection isolated it) and hands the others to `handle`.
 */
export function poisonHandler(poison: { k: string; n: number }, onPoisonAlone: () => void, handle: (records: Array<Numbered & { at: string }>) => Promise<void> | void): BatchHandler {
  return async (records) => {
    const decoded = records.map(decodeNumbered);
    if (decoded.some((r) => r.k === poison.k && r.n === poison.n)) {
      if (records.length === 1) onPoisonAlone();
      throw new Error(`cannot digest ${poison.k}#${poison.n}`);
    }
    await handle(decoded);
  };
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
