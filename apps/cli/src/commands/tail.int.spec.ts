/**
 * `tributary tail` as users run it (a child process) against the emulator. Records are put with the AWS CLI
 * (/usr/bin/aws put-records) around a split and a merge, plus KPL aggregates from @tributary/kinesis-producer;
 * tail must give every one back, in order per shard and per key, children after their parents.
 */
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  ListShardsCommand,
  ListStreamConsumersCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { createActiveStream, startKdsTestEmulator, streamArnOf, uniqueStreamName, waitForStreamStatus, HTTP1_NODE, type KdsTestEmulator } from '@tributary/emulator/testing';
import { KinesisProducer } from '@tributary/kinesis-producer';
import { REPO_ROOT, collect, emulatorEnv, runCli, spawnCli } from '../testing/stream-cli-kit';

const execFileAsync = promisify(execFile);

interface Line {
  stream: string;
  shard: string;
  sequence: string;
  subSequence?: number;
  partitionKey: string;
  arrival: string;
  dataEncoding: 'json' | 'text' | 'base64';
  data: unknown;
}

let kds: KdsTestEmulator;
let dir: string;
const client = (): KinesisClient => kds.clients[HTTP1_NODE];
const endpoint = (): string[] => ['--endpoint-url', kds.emu.url];
const parse = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

let counter = 0;
/** Puts records with the AWS CLI v2 (put-records, JSON from a file, raw data); data {"key","n"} with n increasing. */
async function awsPut(stream: string, keys: string[], extra: Array<{ Data: string; PartitionKey: string }> = []): Promise<void> {
  const records = [...keys.map((key) => ({ Data: JSON.stringify({ key, n: counter++ }), PartitionKey: key })), ...extra];
  const file = path.join(dir, `records-${counter}.json`);
  await fs.writeFile(file, JSON.stringify(records));
  const env = { ...emulatorEnv(), AWS_PAGER: '' };
  const { stdout } = await execFileAsync('/usr/bin/aws', ['--endpoint-url', kds.emu.url, 'kinesis', 'put-records', '--stream-name', stream, '--records', `file://${file}`, '--cli-binary-format', 'raw-in-base64-out', '--output', 'json'], { env });
  expect(JSON.parse(stdout).FailedRecordCount).toBe(0);
}

async function listShards(stream: string): Promise<Shard[]> {
  return (await client().send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
}

const KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);
const RESHARD = uniqueStreamName('cli-tail-reshard');
let betweenPhases: Date;

beforeAll(async () => {
  kds = await startKdsTestEmulator();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-tail-'));
  await createActiveStream(client(), RESHARD, 1);
  await awsPut(RESHARD, KEYS);
  await new Promise((r) => setTimeout(r, 30));
  betweenPhases = new Date();
  await new Promise((r) => setTimeout(r, 30));
  await client().send(new SplitShardCommand({ StreamName: RESHARD, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
  await waitForStreamStatus(client(), RESHARD, 'ACTIVE');
  // Text and binary payloads, to see each dataEncoding.
  await awsPut(RESHARD, KEYS, [{ Data: 'plain text', PartitionKey: 'text' }]);
  await client().send(new MergeShardsCommand({ StreamName: RESHARD, ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
  await waitForStreamStatus(client(), RESHARD, 'ACTIVE');
  await awsPut(RESHARD, KEYS);
  await client().send(new PutRecordsCommand({ StreamName: RESHARD, Records: [{ PartitionKey: 'bin', Data: new Uint8Array([0xff, 0x00, 0xfe]) }] }));
  // KPL aggregates: 24 user records in a few Kinesis records.
  const producer = new KinesisProducer({ client: client(), streamName: RESHARD, aggregation: true });
  await Promise.all(Array.from({ length: 24 }, (_, i) => producer.put({ partitionKey: KEYS[i % KEYS.length], data: JSON.stringify({ key: KEYS[i % KEYS.length], n: counter++, agg: true }) })));
  await producer.close();
}, 60_000);

afterAll(async () => {
  await kds?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('tributary tail across a split and a merge', () => {
  let lines: Line[];
  beforeAll(async () => {
    const run = await runCli(['tail', RESHARD, ...endpoint()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    lines = parse(run.stdout);
  });

  it('gives back every record, plain and aggregated, with each data encoding', () => {
    expect(lines).toHaveLength(12 * 3 + 2 + 24);
    expect(lines.filter((l) => l.subSequence !== undefined)).toHaveLength(24);
    expect(lines.find((l) => l.partitionKey === 'text')).toMatchObject({ dataEncoding: 'text', data: 'plain text' });
    expect(lines.find((l) => l.partitionKey === 'bin')).toMatchObject({ dataEncoding: 'base64', data: Buffer.from([0xff, 0x00, 0xfe]).toString('base64') });
    expect(lines.every((l) => l.stream === RESHARD)).toBe(true);
  });

  it('keeps every partition key in put order and every shard in sequence order', () => {
    const byKey = new Map<string, number[]>();
    for (const l of lines) if (l.dataEncoding === 'json') byKey.set(l.partitionKey, [...(byKey.get(l.partitionKey) ?? []), (l.data as { n: number }).n]);
    expect(byKey.size).toBe(12);
    for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    const byShard = new Map<string, Line[]>();
    for (const l of lines) byShard.set(l.shard, [...(byShard.get(l.shard) ?? []), l]);
    for (const shardLines of byShard.values()) {
      for (let i = 1; i < shardLines.length; i++) {
        const [a, b] = [shardLines[i - 1], shardLines[i]];
        const order = BigInt(a.sequence) < BigInt(b.sequence) || (a.sequence === b.sequence && (a.subSequence ?? 0) < (b.subSequence ?? 0));
        expect(order).toBe(true);
      }
    }
  });

  it('prints a child shard only after all of its parents, and reads all four shards', async () => {
    const shards = await listShards(RESHARD);
    expect(shards).toHaveLength(4);
    const seen = new Set(lines.map((l) => l.shard));
    expect(seen.size).toBe(4);
    for (const shard of shards) {
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined);
      const firstChildLine = lines.findIndex((l) => l.shard === shard.ShardId);
      for (const parent of parents) {
        const lastParentLine = lines.map((l) => l.shard).lastIndexOf(parent);
        expect(lastParentLine).toBeGreaterThanOrEqual(0);
        expect(lastParentLine).toBeLessThan(firstChildLine);
      }
    }
  });

  it('starts --from an ISO time, a duration ago and a sequence number', async () => {
    const fromTime = parse((await runCli(['tail', RESHARD, '--from', betweenPhases.toISOString(), ...endpoint()])).stdout);
    expect(fromTime).toHaveLength(lines.length - 12);
    expect(fromTime.every((l) => l.shard !== 'shardId-000000000000')).toBe(true);

    const fromDuration = parse((await runCli(['tail', RESHARD, '--from', '1h', ...endpoint()])).stdout);
    expect(fromDuration).toHaveLength(lines.length);

    const pick = lines.filter((l) => l.shard === 'shardId-000000000001')[1];
    expect(pick).toBeDefined();
    const fromSeq = parse((await runCli(['tail', RESHARD, '--from', pick.sequence, ...endpoint()])).stdout);
    expect(fromSeq.filter((l) => l.shard === pick.shard)[0].sequence).toBe(pick.sequence);
    const later = lines.filter((l) => Date.parse(l.arrival) > Date.parse(pick.arrival));
    for (const l of later) expect(fromSeq.some((f) => f.sequence === l.sequence && f.subSequence === l.subSequence)).toBe(true);
    expect(fromSeq.every((l) => Date.parse(l.arrival) >= Date.parse(pick.arrival))).toBe(true);
    expect(fromSeq.some((l) => l.shard === 'shardId-000000000000')).toBe(false);
  });

  it('filters with --key and --where, stops at --count, and prints --format raw', async () => {
    const keyed = parse((await runCli(['tail', RESHARD, '--key', 'k3', '--key', 'k4', '--where', 'data.n >= 12 && !data.agg', ...endpoint()])).stdout);
    const expected = lines.filter((l) => ['k3', 'k4'].includes(l.partitionKey) && (l.data as { n: number }).n >= 12 && !(l.data as { agg?: boolean }).agg);
    expect(keyed.map((l) => l.sequence)).toEqual(expected.map((l) => l.sequence));
    expect(keyed).toHaveLength(4);

    const counted = await runCli(['tail', RESHARD, '--count', '5', ...endpoint()]);
    expect(counted.code).toBe(0);
    expect(parse(counted.stdout)).toHaveLength(5);

    const raw = await runCli(['tail', RESHARD, '--format', 'raw', '--key', 'text', ...endpoint()]);
    expect(raw.stdout).toBe('plain text\n');
  });
});

describe('tributary tail --from latest and --efo', () => {
  it('--from latest prints only records put after it started, and follows until --count', async () => {
    const stream = uniqueStreamName('cli-tail-latest');
    await createActiveStream(client(), stream, 2);
    await awsPut(stream, ['old-1', 'old-2']);
    const started = Date.now();
    const child = spawnCli(['tail', stream, '--from', 'latest', '--count', '3', ...endpoint()]);
    const result = collect(child, started, undefined, 40_000);
    let exited = false;
    void result.then(() => (exited = true));
    // The CLI needs a moment to start; keep putting until it has seen three.
    for (let i = 0; !exited && i < 60; i++) {
      await client().send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: `new-${i}`, Data: Buffer.from(`"new ${i}"`) }] }));
      await new Promise((r) => setTimeout(r, 250));
    }
    const run = await result;
    expect(run.code).toBe(0);
    const out = parse(run.stdout);
    expect(out).toHaveLength(3);
    expect(out.every((l) => l.partitionKey.startsWith('new-'))).toBe(true);
  });

  it('--efo reads with a registered consumer and deregisters it at the end, and on Ctrl-C exits 130 after deregistering', async () => {
    const efo = await runCli(['tail', RESHARD, '--efo', '--count', '10', ...endpoint()]);
    expect(efo.stderr).toBe('');
    expect(efo.code).toBe(0);
    expect(parse(efo.stdout)).toHaveLength(10);
    const consumers = async (): Promise<number> => (await client().send(new ListStreamConsumersCommand({ StreamARN: streamArnOf(RESHARD) }))).Consumers?.length ?? 0;
    expect(await consumers()).toBe(0);

    const started = Date.now();
    const child = spawnCli(['tail', RESHARD, '--efo', '--follow', ...endpoint()]);
    const result = collect(child, started, undefined, 30_000);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    while (out.split('\n').length < 10 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
    expect(await consumers()).toBe(1);
    child.kill('SIGINT');
    const run = await result;
    expect(run.code).toBe(130);
    expect(run.stderr).toBe('');
    expect(await consumers()).toBe(0);
  });
});

describe('tributary tail with bad input', () => {
  it('says an unknown stream was not found (exit 3)', async () => {
    const run = await runCli(['tail', 'no-such-stream', ...endpoint()]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('stream "no-such-stream" not found');
    expect(run.stdout).toBe('');
  });

  it.each([
    [['--from', 'yesterday'], /cannot read "yesterday" as a position; use trim-horizon/],
    [['--where', 'data.temp >'], /--where "data.temp >": it ends where a value was expected/],
    [['--count', '0'], /a whole number of records, 1 or more/],
    [['--form', 'latest'], /unknown option '--form'\n\(Did you mean --from\?\)/],
    [['--format', 'xml'], /Allowed choices are json, raw/],
  ])('refuses %j as a usage error (exit 2)', async (args, message) => {
    const run = await runCli(['tail', RESHARD, ...args, ...endpoint()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('ends quietly with exit code 0 when the reader of its output goes away (| head -1)', async () => {
    const stream = uniqueStreamName('cli-tail-pipe');
    await createActiveStream(client(), stream, 1);
    for (let b = 0; b < 6; b++) {
      const records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(JSON.stringify({ b, i, pad: 'x'.repeat(200) })) }));
      await client().send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    }
    const script = `node --require tsx/cjs apps/cli/src/main.ts tail ${stream} --endpoint-url ${kds.emu.url} | head -1; echo "tail exited $\{PIPESTATUS[0]}" >&2`;
    const child = spawn('bash', ['-c', script], { cwd: REPO_ROOT, env: emulatorEnv() });
    const run = await collect(child, Date.now());
    expect(run.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(run.stderr).toBe('tail exited 0\n');
  });
});
