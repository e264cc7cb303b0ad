/**
 * The walk-through a Kinesis user does with the AWS CLI, driven with Debian's real `/usr/bin/aws` (package
 * `awscli`, CLI v2 2.9.x, installed by tools/setup/ensure-system-deps.sh) against the emulator in process.
 * The CLI speaks HTTP/1.1 (urllib3), so this also covers the HTTP/1.1 side of the listener.
 *
 * The absolute path is deliberate: another `aws` (pip, pyenv shims, the official bundle) may come first on PATH.
 * The CLI runs with a minimal environment and a temporary HOME / config / credentials file, so neither the
 * developer's AWS profile nor proxy settings can leak in.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../emulator';

const AWS = '/usr/bin/aws';
const ACCOUNT = '000000000000';
const MAX_HASH_KEY = ((1n << 128n) - 1n).toString();
const MID_HASH_KEY = (1n << 127n).toString();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Shard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

interface CliRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: string;
  Data: string;
  PartitionKey: string;
}

interface GetRecordsOutput {
  Records: CliRecord[];
  NextShardIterator?: string;
  MillisBehindLatest: number;
  ChildShards?: { ShardId: string; ParentShards: string[]; HashKeyRange: Shard['HashKeyRange'] }[];
}

let emu: RunningEmulator;
let home: string;
let cliVersion: string;

/** Runs `/usr/bin/aws <args>`; never rejects, so tests can assert on exit codes and stderr. */
function runAws(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    ...extraEnv,
  };
  return new Promise((resolve) => {
    execFile(AWS, args, { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `aws --endpoint-url <emulator> --output json kinesis <args>`; fails the test with the CLI's stderr on a non-zero exit. */
async function kinesis<T = unknown>(...args: string[]): Promise<T> {
  const r = await runAws(['--endpoint-url', emu.url, '--output', 'json', 'kinesis', ...args]);
  if (r.code !== 0) throw new Error(`aws kinesis ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return (r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout)) as T;
}

const b64 = (bytes: Buffer): string => bytes.toString('base64');

beforeAll(async () => {
  try {
    accessSync(AWS, constants.X_OK);
  } catch {
    throw new Error(
      `${AWS} (Debian package "awscli") is missing. Install it with: bash tools/setup/ensure-system-deps.sh ` +
        '(npm test runs it first). An `aws` elsewhere on PATH is not used by this test.',
    );
  }
  home = mkdtempSync(join(tmpdir(), 'tributary-aws-cli-'));
  // Empty config and credentials files: the CLI reads only these, never ~/.aws of the developer.
  writeFileSync(join(home, 'config'), '');
  writeFileSync(join(home, 'credentials'), '');
  const version = await runAws(['--version']);
  cliVersion = /^aws-cli\/(\d+\.\d+\.\d+)/.exec(version.stdout)?.[1] ?? '';
  if (!cliVersion.startsWith('2.')) throw new Error(`${AWS} is not AWS CLI v2: ${version.stdout}${version.stderr}`);
  emu = await startEmulator({ port: 0 });
});

afterAll(async () => {
  await emu?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('AWS CLI v2 (Debian /usr/bin/aws) against the emulator', () => {
  const stream = `cli-walkthrough-${process.pid}-${Date.now()}`;
  const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;
  // Bytes that are not UTF-8 and include NUL, so a text round trip anywhere would corrupt them.
  const binary = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d, 0x22, 0x5c]);
  const rawText = 'héllo ✓ {"json":true}';
  const fileBytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
  const batch = [Buffer.from('first of batch'), Buffer.from([0xff, 0x00, 0xee])];
  const put: { seq: string; data: Buffer; key: string }[] = [];

  it('create-stream, then the stream-exists waiter and describe-stream-summary show it ACTIVE', async () => {
    expect(await kinesis('create-stream', '--stream-name', stream, '--shard-count', '1')).toBeUndefined();
    expect(await kinesis('wait', 'stream-exists', '--stream-name', stream)).toBeUndefined();

    const summary = await kinesis<{ StreamDescriptionSummary: Record<string, unknown> }>(
      'describe-stream-summary',
      '--stream-name',
      stream,
    );
    expect(summary.StreamDescriptionSummary).toEqual({
      StreamName: stream,
      StreamARN: arn,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/),
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
      OpenShardCount: 1,
      ConsumerCount: 0,
    });
  });

  it('put-record takes base64 --data by default (CLI v2), raw text with raw-in-base64-out, and fileb://', async () => {
    const cases: { args: string[]; data: Buffer }[] = [
      { args: ['--data', b64(binary)], data: binary },
      { args: ['--cli-binary-format', 'raw-in-base64-out', '--data', rawText], data: Buffer.from(rawText, 'utf8') },
      { args: ['--data', `fileb://${join(home, 'payload.bin')}`], data: fileBytes },
    ];
    writeFileSync(join(home, 'payload.bin'), fileBytes);
    for (const { args, data } of cases) {
      const out = await kinesis<{ ShardId: string; SequenceNumber: string }>(
        'put-record',
        '--stream-name',
        stream,
        '--partition-key',
        'k',
        ...args,
      );
      expect(out).toEqual({ ShardId: 'shardId-000000000000', SequenceNumber: expect.stringMatching(/^\d{56}$/) });
      put.push({ seq: out.SequenceNumber, data, key: 'k' });
    }
  });

  it('put-record with text that is not base64 fails in the CLI (v2 default binary format) before any request', async () => {
    const r = await runAws(['--endpoint-url', emu.url, 'kinesis', 'put-record', '--stream-name', stream, '--partition-key', 'k', '--data', 'abc']);
    expect(r.code).toBe(255);
    expect(r.stderr.trim()).toBe('Invalid base64: "abc"');
  });

  it('put-records --records (JSON list, base64 Data)', async () => {
    const records = JSON.stringify(batch.map((d, i) => ({ Data: b64(d), PartitionKey: `pk-${i}` })));
    const out = await kinesis<{ FailedRecordCount: number; Records: { SequenceNumber: string; ShardId: string }[] }>(
      'put-records',
      '--stream-name',
      stream,
      '--records',
      records,
    );
    expect(out.FailedRecordCount).toBe(0);
    expect(out.Records).toEqual([
      { SequenceNumber: expect.stringMatching(/^\d{56}$/), ShardId: 'shardId-000000000000' },
      { SequenceNumber: expect.stringMatching(/^\d{56}$/), ShardId: 'shardId-000000000000' },
    ]);
    out.Records.forEach((r, i) => put.push({ seq: r.SequenceNumber, data: batch[i], key: `pk-${i}` }));
  });

  it('list-shards shows the one open shard over the whole hash key range', async () => {
    const out = await kinesis<{ Shards: Shard[] }>('list-shards', '--stream-name', stream);
    expect(out).toEqual({
      Shards: [
        {
          ShardId: 'shardId-000000000000',
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH_KEY },
          SequenceNumberRange: { StartingSequenceNumber: expect.stringMatching(/^\d{56}$/) },
        },
      ],
    });
  });

  it('get-shard-iterator TRIM_HORIZON + get-records returns every record byte-exact, in order', async () => {
    const { ShardIterator } = await kinesis<{ ShardIterator: string }>(
      'get-shard-iterator',
      '--stream-name',
      stream,
      '--shard-id',
      'shardId-000000000000',
      '--shard-iterator-type',
      'TRIM_HORIZON',
    );
    expect(typeof ShardIterator).toBe('string');
    const out = await kinesis<GetRecordsOutput>('get-records', '--shard-iterator', ShardIterator);
    // The CLI prints blobs as base64; decoding them must give back exactly the bytes that were put.
    expect(out.Records.map((r) => ({ seq: r.SequenceNumber, data: Buffer.from(r.Data, 'base64'), key: r.PartitionKey }))).toEqual(put);
    expect(out.Records.map((r) => r.Data)).toEqual(put.map((p) => b64(p.data)));
    expect(out.MillisBehindLatest).toBe(0);
    expect(typeof out.NextShardIterator).toBe('string');
    expect(out.ChildShards).toBeUndefined();
    const seqs = put.map((p) => BigInt(p.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('split-shard, then list-shards shows the closed parent and its two children', async () => {
    expect(
      await kinesis(
        'split-shard',
        '--stream-name',
        stream,
        '--shard-to-split',
        'shardId-000000000000',
        '--new-starting-hash-key',
        MID_HASH_KEY,
      ),
    ).toBeUndefined();

    const { Shards } = await kinesis<{ Shards: Shard[] }>('list-shards', '--stream-name', stream);
    expect(Shards).toHaveLength(3);
    expect(Shards[0]).toEqual({
      ShardId: 'shardId-000000000000',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH_KEY },
      SequenceNumberRange: { StartingSequenceNumber: expect.any(String), EndingSequenceNumber: expect.stringMatching(/^\d{56}$/) },
    });
    expect(Shards.slice(1)).toEqual([
      {
        ShardId: 'shardId-000000000001',
        ParentShardId: 'shardId-000000000000',
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: (BigInt(MID_HASH_KEY) - 1n).toString() },
        SequenceNumberRange: { StartingSequenceNumber: expect.stringMatching(/^\d{56}$/) },
      },
      {
        ShardId: 'shardId-000000000002',
        ParentShardId: 'shardId-000000000000',
        HashKeyRange: { StartingHashKey: MID_HASH_KEY, EndingHashKey: MAX_HASH_KEY },
        SequenceNumberRange: { StartingSequenceNumber: expect.stringMatching(/^\d{56}$/) },
      },
    ]);
    const summary = await kinesis<{ StreamDescriptionSummary: { StreamStatus: string; OpenShardCount: number } }>(
      'describe-stream-summary',
      '--stream-name',
      stream,
    );
    expect(summary.StreamDescriptionSummary.StreamStatus).toBe('ACTIVE');
    expect(summary.StreamDescriptionSummary.OpenShardCount).toBe(2);
  });

  it('get-records on the closed parent ends with ChildShards and no NextShardIterator', async () => {
    let { ShardIterator: iterator } = await kinesis<{ ShardIterator?: string }>(
      'get-shard-iterator',
      '--stream-name',
      stream,
      '--shard-id',
      'shardId-000000000000',
      '--shard-iterator-type',
      'TRIM_HORIZON',
    );
    const seen: string[] = [];
    let last: GetRecordsOutput | undefined;
    for (let i = 0; i < 5 && iterator !== undefined; i++) {
      last = await kinesis<GetRecordsOutput>('get-records', '--shard-iterator', iterator);
      seen.push(...last.Records.map((r) => r.SequenceNumber));
      iterator = last.NextShardIterator;
    }
    expect(seen).toEqual(put.map((p) => p.seq));
    expect(iterator).toBeUndefined();
    expect(last?.ChildShards).toEqual([
      {
        ShardId: 'shardId-000000000001',
        ParentShards: ['shardId-000000000000'],
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: (BigInt(MID_HASH_KEY) - 1n).toString() },
      },
      {
        ShardId: 'shardId-000000000002',
        ParentShards: ['shardId-000000000000'],
        HashKeyRange: { StartingHashKey: MID_HASH_KEY, EndingHashKey: MAX_HASH_KEY },
      },
    ]);
  });

  it('merge-shards of the two children, then list-shards shows the merged shard', async () => {
    expect(
      await kinesis(
        'merge-shards',
        '--stream-name',
        stream,
        '--shard-to-merge',
        'shardId-000000000001',
        '--adjacent-shard-to-merge',
        'shardId-000000000002',
      ),
    ).toBeUndefined();

    const { Shards } = await kinesis<{ Shards: Shard[] }>('list-shards', '--stream-name', stream);
    expect(Shards.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']);
    expect(Shards.slice(1, 3).map((s) => typeof s.SequenceNumberRange.EndingSequenceNumber)).toEqual(['string', 'string']);
    expect(Shards[3]).toEqual({
      ShardId: 'shardId-000000000003',
      ParentShardId: 'shardId-000000000001',
      AdjacentParentShardId: 'shardId-000000000002',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH_KEY },
      SequenceNumberRange: { StartingSequenceNumber: expect.stringMatching(/^\d{56}$/) },
    });
    const summary = await kinesis<{ StreamDescriptionSummary: { StreamStatus: string; OpenShardCount: number } }>(
      'describe-stream-summary',
      '--stream-name',
      stream,
    );
    expect(summary.StreamDescriptionSummary.StreamStatus).toBe('ACTIVE');
    expect(summary.StreamDescriptionSummary.OpenShardCount).toBe(1);
  });

  it('list-streams lists the stream', async () => {
    const out = await kinesis<{ StreamNames: string[]; StreamSummaries: Record<string, unknown>[] }>('list-streams');
    expect(out).toEqual({
      StreamNames: [stream],
      StreamSummaries: [
        {
          StreamName: stream,
          StreamARN: arn,
          StreamStatus: 'ACTIVE',
          StreamModeDetails: { StreamMode: 'PROVISIONED' },
          StreamCreationTimestamp: expect.any(String),
        },
      ],
    });
  });

  it('AWS_ENDPOINT_URL: honoured by CLI >= 2.13.0, ignored by older versions (Debian bookworm ships 2.9.19)', async () => {
    const [major, minor] = cliVersion.split('.').map(Number);
    const supported = major > 2 || (major === 2 && minor >= 13);
    if (supported) {
      const r = await runAws(['--output', 'json', 'kinesis', 'list-streams'], { AWS_ENDPOINT_URL: emu.url });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { StreamNames: string[] }).StreamNames).toEqual([stream]);
      return;
    }
    // The CLI goes to AWS's own endpoint instead. A dead HTTPS proxy makes that fail at once, on this machine.
    const r = await runAws(['--output', 'json', '--debug', 'kinesis', 'list-streams'], {
      AWS_ENDPOINT_URL: emu.url,
      HTTPS_PROXY: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Endpoint provider result: https://kinesis.us-east-1.amazonaws.com');
    expect(r.stderr).toContain('Failed to connect to proxy URL: "http://127.0.0.1:9"');
  });

  it('describe-stream on a missing stream exits 254 with ResourceNotFoundException', async () => {
    const missing = `${stream}-missing`;
    const r = await runAws(['--endpoint-url', emu.url, '--output', 'json', 'kinesis', 'describe-stream', '--stream-name', missing]);
    expect(r.code).toBe(254);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `An error occurred (ResourceNotFoundException) when calling the DescribeStream operation: Stream ${missing} under account ${ACCOUNT} not found.`,
    );
  });

  it('delete-stream, then the stream-not-exists waiter returns and list-streams is empty', async () => {
    expect(await kinesis('delete-stream', '--stream-name', stream)).toBeUndefined();
    expect(await kinesis('wait', 'stream-not-exists', '--stream-name', stream)).toBeUndefined();
    expect(await kinesis('list-streams')).toEqual({ StreamNames: [], StreamSummaries: [] });
    const r = await runAws(['--endpoint-url', emu.url, 'kinesis', 'describe-stream-summary', '--stream-name', stream]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('(ResourceNotFoundException)');
  });
});
