/**
 * What the int specs share: an emulator stream, an agent config for a directory, waiting until the agent has
 * every written line acknowledged, and the count of the stream's lines (none missing, duplicates reported).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { TEST_CREDENTIALS, TEST_REGION } from '@tributary/emulator/testing';
import type { LogAgentConfig, LogAgentFlow, RunningLogAgent } from '../log-agent-app';
import { countLines, readStream, type LineCount } from './stream-reader';
import { seqOf } from './log-writer';

export { TEST_CREDENTIALS, TEST_REGION };

export function kinesisClient(url: string): KinesisClient {
  return new KinesisClient({ endpoint: url, region: TEST_REGION, credentials: TEST_CREDENTIALS });
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(50);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function flowFor(dir: string, stream: string, extra: Partial<LogAgentFlow> = {}): LogAgentFlow {
  return {
    id: `kinesis:${stream}:${path.join(dir, 'access.log*')}`,
    filePattern: path.join(dir, 'access.log*'),
    kinesisStream: stream,
    partitionKeyOption: 'RANDOM',
    initialPosition: 'START_OF_FILE',
    skipHeaderLines: 0,
    truncatedRecordTerminator: '\n',
    maxBufferAgeMillis: 1000,
    maxBufferSizeRecords: 500,
    maxBufferSizeBytes: 5 * 1024 * 1024,
    dataProcessingOptions: [],
    ...extra,
  };
}

export function agentConfig(flows: LogAgentFlow[], checkpointFile: string): LogAgentConfig {
  return { flows, checkpointFile, checkpointTimeToLiveDays: 7, unsupported: [], host: '127.0.0.1', port: 0 };
}

/** Waits until every tracked file is read to its end and acknowledged, and nothing is in flight. */
export async function untilCaughtUp(agent: RunningLogAgent, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const done = agent.flows.every((f) => {
      const t = f.tailer.stats();
      return f.flowDelivery.stats().inFlight === 0 && t.files.every((file) => file.bytesBehind === 0 && file.bytesUnacknowledged === 0 && !file.rotated);
    });
    if (done) return;
    if (Date.now() > until) {
      throw new Error(`agent did not catch up: ${JSON.stringify(agent.flows.map((f) => ({ t: f.tailer.stats(), d: f.flowDelivery.stats() })))}`);
    }
    await sleep(100);
  }
}

/** Reads the stream and counts every sequence number in `seqs`; prints the figures. */
export async function countStream(client: KinesisClient, stream: string, seqs: readonly number[], label: string): Promise<LineCount> {
  const records = await readStream(client, stream);
  const count = countLines(
    seqs.map(String),
    records,
    (r) => String(seqOf(r.data.toString('utf8'))),
  );
  process.stdout.write(
    `${label}: ${seqs.length} lines written, ${records.length} records in the stream, ${count.found} found, ${count.missing.length} missing, ${count.duplicates} duplicates, ${count.unexpected.length} unexpected\n`,
  );
  return count;
}
