/**
 * Test kit of the put / lag / replay integration specs: the CLI as users run it (a child process, `node
 * --require tsx/cjs apps/cli/src/main.ts`, configured by flags and AWS's environment), and a reader that gets
 * every user record back out of a stream (GetRecords on every shard, KPL aggregates opened with @tributary/kpl).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '@tributary/kpl';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** The environment a user of the emulator would have: dummy credentials, both region variables. */
export function emulatorEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    // No ~/.aws lookups: the test must not depend on the machine's profiles.
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    ...extra,
  };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = emulatorEnv()): ChildProcess {
  return spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/cli/src/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the CLI to its end; `input` is written to its stdin (then closed). */
export function runCli(args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  const started = Date.now();
  const child = spawnCli(args, options.env);
  return collect(child, started, options.input, options.timeoutMs ?? 60_000);
}

/** Collects a spawned CLI's output until it exits; `input` is written to stdin and closes it, `null` leaves stdin open. */
export function collect(child: ChildProcess, started: number, input?: string | Buffer | null, timeoutMs = 60_000): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  child.stdin?.on('error', () => undefined);
  if (input !== null) child.stdin?.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not end within ${timeoutMs} ms; stderr: ${Buffer.concat(err).toString()}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), elapsedMs: Date.now() - started });
    });
  });
}

export interface StoredRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: string;
  aggregated: boolean;
}

/** Every user record of every shard, in shard order, and how many Kinesis records carried them. */
export async function readAllRecords(client: KinesisClient, stream: string): Promise<{ records: StoredRecord[]; kinesisRecords: number }> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const records: StoredRecord[] = [];
  let kinesisRecords = 0;
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) {
        kinesisRecords++;
        const subs = deaggregate(r.Data as Uint8Array);
        const base = { shardId, sequenceNumber: r.SequenceNumber as string };
        if (subs) for (const s of subs) records.push({ ...base, partitionKey: s.partitionKey, data: Buffer.from(s.data).toString('utf8'), aggregated: true });
        else records.push({ ...base, partitionKey: r.PartitionKey as string, data: Buffer.from(r.Data as Uint8Array).toString('utf8'), aggregated: false });
      }
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return { records, kinesisRecords };
}
