/**
 * What the app's integration suites start from: the emulator in process (Kinesis and DynamoDB on one port) with
 * official SDK v3 clients on it, a fresh output folder per test, unique names, and the apps a test started, closed
 * after it. `useConsumerAppWorld` registers the hooks in the calling spec file; the returned object's fields are
 * valid inside tests and hooks.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createActiveStream, createDynamoDbClient, createKinesisClient, HTTP2_DEFAULT, TEST_CREDENTIALS, TEST_REGION } from '@tributary/emulator/testing';
import type { RunningTelemetryConsumer } from '../telemetry-consumer-app';

export interface ConsumerAppWorldOptions {
  /** Prefix of each test's output folder under the OS temp dir (e.g. `telemetry-consumer-e2e-`). */
  tmpPrefix: string;
  /** Clear the emulator's injected faults after each test, before the apps it started are closed. */
  clearFaultsAfterEach?: boolean;
}

export interface ConsumerAppWorld {
  readonly emu: RunningEmulator;
  /** Kinesis client (the SDK's default handler) for the test's own calls. */
  readonly kinesis: KinesisClient;
  /** DynamoDB client (the SDK's default handler), also what the apps are given as `dynamoClient`. */
  readonly dynamo: DynamoDBClient;
  /** This test's output folder, removed after it. */
  readonly outputDir: string;
  /** What the consumer's and the producer's own clients are given to reach the emulator. */
  readonly clientOptions: { endpoint: string; region: string; credentials: typeof TEST_CREDENTIALS };
  /** Apps to close after the test (push what a test starts). */
  readonly running: RunningTelemetryConsumer[];
  /** `<prefix>-<pid>-<time>-<n>`: a name no other test (or parallel jest worker) uses. */
  unique(prefix: string): string;
  /** A stream of `shards` shards under a unique `telemetry-…` name, ACTIVE. */
  createStream(shards: number): Promise<string>;
}

export function useConsumerAppWorld(options: ConsumerAppWorldOptions): ConsumerAppWorld {
  let emu: RunningEmulator | undefined;
  let kinesis: KinesisClient | undefined;
  let dynamo: DynamoDBClient | undefined;
  let outputDir: string | undefined;
  let counter = 0;
  const running: RunningTelemetryConsumer[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    kinesis = createKinesisClient(emu.url, HTTP2_DEFAULT);
    dynamo = createDynamoDbClient(emu.url);
  });
  afterAll(async () => {
    kinesis?.destroy();
    dynamo?.destroy();
    await emu?.close();
  });
  beforeEach(async () => {
    outputDir = await fsp.mkdtemp(path.join(os.tmpdir(), options.tmpPrefix));
  });
  afterEach(async () => {
    if (options.clearFaultsAfterEach) emu?.faults.clear();
    for (const r of running.splice(0)) await r.close().catch(() => undefined);
    if (outputDir) await fsp.rm(outputDir, { recursive: true, force: true });
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} exists only inside tests and hooks of the spec file`);
    return value;
  };
  const world: ConsumerAppWorld = {
    get emu() {
      return started(emu, 'the emulator');
    },
    get kinesis() {
      return started(kinesis, 'the Kinesis client');
    },
    get dynamo() {
      return started(dynamo, 'the DynamoDB client');
    },
    get outputDir() {
      return started(outputDir, 'the output folder');
    },
    get clientOptions() {
      return { endpoint: started(emu, 'the emulator').url, region: TEST_REGION, credentials: TEST_CREDENTIALS };
    },
    running,
    unique: (prefix) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`,
    createStream: async (shards) => {
      const name = world.unique('telemetry');
      await createActiveStream(world.kinesis, name, shards);
      return name;
    },
  };
  return world;
}

/** A `waitFor(what, condition, timeoutMs?)` that polls every 50 ms and gives up after `defaultTimeoutMs` unless told otherwise. */
export function waitForWithin(defaultTimeoutMs: number) {
  return async (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = defaultTimeoutMs): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
}

/** Every line of the published `.ndjson.gz` files under `dir` (in-progress dot files left out). */
export async function gzLines(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.ndjson.gz') && !e.name.startsWith('.')) out.push(...zlib.gunzipSync(await fsp.readFile(full)).toString('utf8').split('\n').filter(Boolean));
    }
  };
  await walk(dir);
  return out;
}
