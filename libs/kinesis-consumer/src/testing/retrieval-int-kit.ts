/**
 * Helpers of the retrieval integration suites (real emulator in process on port 0 from consumer-int-kit's
 * `startConsumerTestEnv`, official SDK clients): writing records, reading a source until a condition holds (with a
 * deadline, so a stuck source fails the test instead of hanging it), and a TCP proxy that counts the connections
 * clients open — how the session-sharing test sees HTTP/2 sessions from the outside. Streams, names and constants
 * come from the emulator's fixtures (`@tributary/emulator/testing`).
 */
import * as net from 'node:net';
import { ListShardsCommand, PutRecordsCommand, type KinesisClient, type _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { RetrievedBatch, ShardRecordSource } from '../consumer-types';

export interface PutAck {
  data: string;
  shardId: string;
  sequenceNumber: string;
}

/** PutRecords in pages of 500; fails the test on any failed entry. */
export async function putTexts(
  client: KinesisClient,
  streamName: string,
  texts: string[],
  keyOf: (text: string, index: number) => { PartitionKey: string; ExplicitHashKey?: string } = (_t, i) => ({ PartitionKey: `pk-${i}` }),
): Promise<PutAck[]> {
  const acks: PutAck[] = [];
  for (let from = 0; from < texts.length; from += 500) {
    const page = texts.slice(from, from + 500);
    const out = await client.send(
      new PutRecordsCommand({ StreamName: streamName, Records: page.map((t, i) => ({ Data: Buffer.from(t), ...keyOf(t, from + i) })) }),
    );
    if (out.FailedRecordCount) throw new Error(`PutRecords: ${out.FailedRecordCount} entries failed (${out.Records?.find((r) => r.ErrorCode)?.ErrorCode})`);
    (out.Records ?? []).forEach((r, i) => acks.push({ data: page[i], shardId: r.ShardId as string, sequenceNumber: r.SequenceNumber as string }));
  }
  return acks;
}

export const textOf = (r: KinesisRecord): string => Buffer.from(r.Data as Uint8Array).toString('utf8');

/**
 * Calls next() until `done(batches so far)` holds or the deadline passes (then throws with what was read).
 * An error from next() fails the read.
 */
export async function readUntil(
  source: ShardRecordSource,
  done: (batches: RetrievedBatch[]) => boolean,
  timeoutMs = 10_000,
): Promise<RetrievedBatch[]> {
  const batches: RetrievedBatch[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(batches)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const n = batches.reduce((s, b) => s + b.records.length, 0);
      throw new Error(`readUntil: condition not met within ${timeoutMs} ms (${batches.length} batches, ${n} records read)`);
    }
    const signal = AbortSignal.timeout(remaining);
    try {
      batches.push(await source.next(signal));
    } catch (err) {
      if (signal.aborted) continue;
      throw err;
    }
  }
  return batches;
}

export const recordsOf = (batches: RetrievedBatch[]): KinesisRecord[] => batches.flatMap((b) => b.records);

export async function shardIdsOf(client: KinesisClient, streamName: string): Promise<string[]> {
  const out = await client.send(new ListShardsCommand({ StreamName: streamName }));
  return (out.Shards ?? []).map((s) => s.ShardId as string);
}

/** A TCP proxy to `target` that counts accepted connections. */
export interface CountingProxy {
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Cuts every open connection (both sides), as a network failure would. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CountingProxy> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
