/**
 * main.ts as operators run it (`npm run emulator`): a child process started with `--transition-ms` and
 * `--shard-limit`, driven by the official SDK v3 clients. The statuses a conformance suite waits through
 * (CREATING, DELETING) must be visible for a moment, and the account shard limit must refuse with AWS's text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  type StreamStatus,
} from '@aws-sdk/client-kinesis';
import { CreateStreamCommand as CreateVideoStreamCommand, DescribeStreamCommand as DescribeVideoStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

const ROOT = path.resolve(__dirname, '../../..');
const MAIN = 'apps/kinesis-emulator/src/main.ts';
const START_TIMEOUT_MS = 40_000;
const TRANSITION_MS = 500;
const config = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };

interface Launched {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Runs the launcher in its own process and resolves with its URL once it prints `{"ready":true,…}`. */
function launch(args: string[]): Promise<Launched> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise<Launched>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the launcher did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`));
    }, START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited (${code}) before it was ready:\n${output}`));
    });
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output += `${line}\n`;
      const parsed = tryJson(line);
      if (parsed?.['ready'] === true && typeof parsed['url'] === 'string') {
        clearTimeout(timer);
        resolve({ child, url: parsed['url'], exited });
      }
    });
  });
}

function tryJson(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `read` until it returns `want`; resolves with how long that took (ms). */
async function until<T>(read: () => Promise<T>, want: T, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if ((await read()) === want) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`still not ${String(want)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const errorOf = (p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: Error) => err,
  );

let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

describe(`the launcher with --transition-ms ${TRANSITION_MS} --shard-limit 10`, () => {
  let launched: Launched;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    launched = await launch(['--port', '0', '--in-memory', '--log-level', 'warn', '--transition-ms', String(TRANSITION_MS), '--shard-limit', '10']);
    kinesis = new KinesisClient({ ...config, endpoint: launched.url });
  }, START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    kinesis?.destroy();
    if (launched && launched.child.exitCode === null) {
      launched.child.kill('SIGTERM');
      expect(await launched.exited).toBe(0);
    }
  });

  const streamStatus = (name: string) => async (): Promise<StreamStatus | undefined> =>
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus;

  it('shows a new stream CREATING for about the delay, then ACTIVE; a deleted one DELETING, then gone', async () => {
    const name = unique('launcher');
    const created = Date.now();
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    expect(await streamStatus(name)()).toBe('CREATING');
    await until(streamStatus(name), 'ACTIVE');
    // A timer of 500 ms: not ACTIVE much sooner (a margin for timer granularity), and not stuck.
    expect(Date.now() - created).toBeGreaterThanOrEqual(TRANSITION_MS - 50);

    await kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    expect(await streamStatus(name)()).toBe('DELETING');
    const gone = async (): Promise<string> => streamStatus(name)().then(String, (err: Error) => err.name);
    await until(gone, 'ResourceNotFoundException');
  });

  it('applies the same delay to consumers, Kinesis Video streams and DynamoDB tables', async () => {
    const video = new KinesisVideoClient({ ...config, endpoint: launched.url });
    const dynamo = new DynamoDBClient({ ...config, endpoint: launched.url });
    try {
      const stream = unique('launcher-efo');
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const arn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamARN;
      await until(streamStatus(stream), 'ACTIVE');
      const consumer = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'c' }));
      expect(consumer.Consumer?.ConsumerStatus).toBe('CREATING');
      const consumerStatus = async (): Promise<string | undefined> =>
        (await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.Consumer?.ConsumerARN }))).ConsumerDescription?.ConsumerStatus;
      expect(await consumerStatus()).toBe('CREATING');
      await until(consumerStatus, 'ACTIVE');

      const videoName = unique('launcher-kvs');
      await video.send(new CreateVideoStreamCommand({ StreamName: videoName }));
      const videoStatus = async (): Promise<string | undefined> => (await video.send(new DescribeVideoStreamCommand({ StreamName: videoName }))).StreamInfo?.Status;
      expect(await videoStatus()).toBe('CREATING');
      await until(videoStatus, 'ACTIVE');

      const table = unique('launcher-table');
      const t0 = Date.now();
      const createdTable = await dynamo.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      expect(createdTable.TableDescription?.TableStatus).toBe('CREATING');
      await until(async () => (await dynamo.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus, 'ACTIVE');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(TRANSITION_MS - 50);
    } finally {
      video.destroy();
      dynamo.destroy();
    }
  });

  // Last: it fills the account's 10 shards (the streams above hold 1 open shard, the deleted one none).
  it('refuses a CreateStream over the account shard limit with LimitExceededException and AWS text', async () => {
    const name = unique('launcher-limit');
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    const err = await errorOf(kinesis.send(new CreateStreamCommand({ StreamName: unique('launcher-over'), ShardCount: 8 })));
    expect(err.name).toBe('LimitExceededException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toContain(
      'This request would exceed the shard limit for the account 000000000000 in us-east-1. ' +
        'Current shard count for the account: 3. Limit: 10. Number of additional shards that would have resulted from this request: 8.',
    );
    // Up to the limit is still allowed.
    await kinesis.send(new CreateStreamCommand({ StreamName: unique('launcher-fits'), ShardCount: 7 }));
    const refusedAtLimit = await errorOf(kinesis.send(new CreateStreamCommand({ StreamName: unique('launcher-full'), ShardCount: 1 })));
    expect(refusedAtLimit.name).toBe('LimitExceededException');
  });
});

/** Runs the launcher to its exit; resolves with the exit code and everything it printed. */
async function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describe('the launcher without a running emulator', () => {
  it('--help names the three services and the status and shard-limit settings', async () => {
    const { code, output } = await runToExit(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('AWS Kinesis Data Streams, Kinesis Video Streams and DynamoDB on one local port');
    expect(output).toContain('--transition-ms <n>');
    expect(output).toContain('[EMULATOR_SHARD_LIMIT]');
  });

  // Regression (issue 19): `npm run emulator -- --help` went through `nx serve`, which takes --help for itself (it
  // printed the help of Nx's run-commands executor), and ended a mistyped flag with Nx's "Running target serve …
  // failed / run with --verbose" summary under the emulator's own message.
  it('npm run emulator gives --help and flags to the emulator: its help, and a mistyped flag ends with exit 2 and one line', async () => {
    const npm = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
      const child = spawn('npm', ['run', '--silent', 'emulator', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { code, stdout, stderr };
    };
    const help = await npm(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('kinesis-emulator — AWS Kinesis Data Streams, Kinesis Video Streams and DynamoDB on one local port');
    const typo = await npm(['--prot', '4567']);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe("Unknown option '--prot' (did you mean --port?). Run with --help for the options.\n");
  }, 60_000);

  it.each([
    [['--transition-ms=-5'], '--transition-ms / EMULATOR_TRANSITION_MS'],
    [['--shard-limit', 'lots'], '--shard-limit / EMULATOR_SHARD_LIMIT'],
  ])('refuses %j: exit 2 naming the flag and the variable', async (args, name) => {
    const { code, output } = await runToExit(['--in-memory', '--port', '0', ...args]);
    expect(code).toBe(2);
    expect(output).toContain(name);
  });
});
