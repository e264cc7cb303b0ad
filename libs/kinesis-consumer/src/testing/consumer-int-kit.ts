/**
 * Fixture of the consumer's integration suites (leases, shard sync, retrieval, whole workers): the emulator in
 * process on port 0 (KDS and its embedded DynamoDB on one port) with official SDK v3 clients, built on the
 * emulator's own fixtures (`@tributary/emulator/testing`: constants, clients, stream helpers, unique names).
 * Also a writer of numbered telemetry-like records per key (KPL-aggregated by default, so the consumer
 * deaggregates), and a ledger of what handlers saw, with the checks the issue asks for: nothing lost, per-key
 * order of first deliveries, duplicates counted.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand, type KinesisClient, type KinesisClientConfig, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { EmulatorOptions, RunningEmulator } from '@tributary/emulator';
import {
  DDB_HTTP1_DEFAULT,
  HTTP1_NODE,
  TEST_CREDENTIALS,
  TEST_REGION,
  createDynamoDbClient,
  startKdsTestEmulator,
} from '@tributary/emulator/testing';
import { AggregateBuilder } from '@tributary/kpl';
import type { ConsumerRecord } from '../consumer-types';
import { FileDeadLetterSink } from '../processing/dead-letter-sinks';
import type { BatchHandler } from '../processing/processing-types';
import type { ConsumerClientOptions } from '../retrieval/kinesis-clients';
import { waitUntil } from '@tributary/runtime/testing';

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

export function waitFor(what: string, predicate: () => boolean, timeoutMs: number, pollMs = 20): Promise<void> {
  return waitUntil(what, predicate, { timeoutMs, intervalMs: pollMs });
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

/**
 * Writes numbered records per key in order; `next` continues the numbering across calls. Test traffic, written
 * with PutRecords and @tributary/kpl rather than @tributary/kinesis-producer, so that this lib does not sit on top
 * of the producer (issue 16): in rounds, each key at most once per call (one KPL aggregate of its next records,
 * or its next record alone with `aggregation: false`), and a round's failed entries are retried before the next
 * round, so a key's records land in order whatever throttling or resharding does.
 */
export class NumberedProducer {
  readonly next = new Map<string, number>();
  private readonly client: KinesisClient;
  private readonly aggregation: boolean;

  constructor(
    env: ConsumerTestEnv,
    private readonly streamName: string,
    options: { aggregation?: boolean } = {},
  ) {
    this.client = env.makeKinesisClient();
    this.aggregation = options.aggregation ?? true;
  }

  /** Puts `perKey` records for each of `keys` keys, resolves when all are acknowledged. */
  async put(keys: number, perKey: number): Promise<number> {
    const pending: Uint8Array[][] = [];
    for (let k = 0; k < keys; k++) {
      const key = `device-${k}`;
      const first = this.next.get(key) ?? 0;
      this.next.set(key, first + perKey);
      pending.push(Array.from({ length: perKey }, (_, i) => Buffer.from(encodeNumbered({ k: key, n: first + i }))));
    }
    for (;;) {
      const round: PutRecordsRequestEntry[] = [];
      pending.forEach((records, k) => {
        if (records.length > 0) round.push(this.entryOf(`device-${k}`, records.splice(0, this.aggregation ? 25 : 1)));
      });
      if (round.length === 0) return keys * perKey;
      for (let i = 0; i < round.length; i += 500) await this.putAll(round.slice(i, i + 500));
    }
  }

  private entryOf(partitionKey: string, records: Uint8Array[]): PutRecordsRequestEntry {
    if (!this.aggregation) return { PartitionKey: partitionKey, Data: records[0] };
    const builder = new AggregateBuilder();
    for (const data of records) builder.add({ partitionKey, partitionKeyBytes: Buffer.byteLength(partitionKey), data });
    return { PartitionKey: partitionKey, Data: builder.encode() };
  }

  /** PutRecords until every entry is in: failed entries (and failed calls) again after a short wait. */
  private async putAll(entries: PutRecordsRequestEntry[]): Promise<void> {
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt > 200) throw new Error(`PutRecords to ${this.streamName}: ${entries.length} entries still refused`);
      if (attempt > 0) await sleep(Math.min(500, 20 * attempt));
      const out = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: entries })).catch(() => undefined);
      if (out === undefined) continue;
      entries = entries.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
    }
  }

  total(): number {
    let sum = 0;
    for (const n of this.next.values()) sum += n;
    return sum;
  }

  async close(): Promise<void> {
    this.client.destroy();
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
