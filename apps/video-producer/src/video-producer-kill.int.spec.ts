/**
 * Issue 5: the emulator is KILLED (SIGKILL, not closed) and restarted mid-stream. The emulator runs in a child
 * process (libs/emulator/src/testing/emulator-child.ts) on a data dir; the producer (in process, test pattern,
 * 1-s fragments) streams to it, keeps capturing into its spool while it is gone, reconnects to the new process on
 * the same port and data dir, resends what was not PERSISTED and drains on close. ListFragments must then list
 * every fragment the producer cut exactly once, in producer-timestamp order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as readline from 'node:readline';
import { ListFragmentsCommand, type Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import type { EmulatorOptions } from '@tributary/emulator';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient, TEST_CREDENTIALS, TEST_REGION } from '@tributary/emulator/testing';
import { loadConfig, type VideoProducerConfig } from './video-producer-config';
import { startVideoProducer, type RunningVideoProducer } from './video-producer-app';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@tributary/runtime/testing';

const CHILD_SCRIPT = resolve(__dirname, '../../../libs/emulator/src/testing/emulator-child.ts');
const TSX_CJS = require.resolve('tsx/cjs');

interface Child {
  url: string;
  port: number;
  process: ChildProcess;
}

/** Starts the emulator in a child process and waits for its `{"url","port","pid"}` line. */
function startChild(options: EmulatorOptions): Promise<Child> {
  const proc = spawn(process.execPath, ['--require', TSX_CJS, CHILD_SCRIPT, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<Child>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`emulator child did not start within 15 s; stderr: ${stderr}`));
    }, 15_000);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator child exited early (${code ?? signal}); stderr: ${stderr}`));
    });
    readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      const { url, port } = JSON.parse(line) as { url: string; port: number };
      resolvePromise({ url, port, process: proc });
    });
  });
}

function kill(child: Child | undefined, signal: NodeJS.Signals): Promise<void> {
  return new Promise((done) => {
    if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return done();
    child.process.once('exit', () => done());
    child.process.kill(signal);
  });
}


let dir: string;
let emulator: Child | undefined;
let producer: RunningVideoProducer | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-producer-kill-int-'));
});

afterEach(async () => {
  await producer?.close().catch(() => undefined);
  producer = undefined;
  await kill(emulator, 'SIGKILL');
  emulator = undefined;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configFor(stream: string): VideoProducerConfig {
  const loaded = loadConfig(
    [
      ...['--stream', stream, '--source', 'testsrc', '--fragment-ms', '1000', '--width', '320', '--height', '240', '--fps', '25'],
      ...['--bitrate', '300', '--preset', 'ultrafast', '--spool-dir', join(dir, 'spool'), '--spool-fsync', 'off', '--create-stream', 'off'],
      ...['--port', '0', '--host', '127.0.0.1', '--shutdown-timeout', '10000', '--log-level', 'silent'],
    ],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

async function listFragments(url: string, stream: string): Promise<Fragment[]> {
  const kvs = createKinesisVideoClient(url);
  const archived = await createArchivedMediaClient(kvs, stream);
  const out: Fragment[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await archived.send(
        new ListFragmentsCommand(
          token
            ? { StreamName: stream, NextToken: token }
            : {
                StreamName: stream,
                FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(Date.now() + 3_600_000) } },
              },
        ),
      );
      out.push(...(page.Fragments ?? []));
      token = page.NextToken;
    } while (token);
  } finally {
    archived.destroy();
    kvs.destroy();
  }
  return out.sort((a, b) => (a.ProducerTimestamp?.getTime() ?? 0) - (b.ProducerTimestamp?.getTime() ?? 0));
}

describe('video-producer → emulator killed (SIGKILL) and restarted mid-stream', () => {
  it('loses no fragment and duplicates none in ListFragments', async () => {
    const dataDir = join(dir, 'emulator-data');
    emulator = await startChild({ port: 0, dynamodb: false, dataDir });
    const port = emulator.port;
    const stream = `vp-kill-${process.pid}`;
    const kvs = createKinesisVideoClient(emulator.url);
    await createActiveVideoStream(kvs, stream);
    kvs.destroy();

    producer = await startVideoProducer({
      config: configFor(stream),
      kinesisVideo: { endpoint: emulator.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
      reconnectBaseDelayMs: 100,
      reconnectMaxDelayMs: 300,
      defaultMetrics: false,
    });
    const camera = producer.cameras[0];
    // Every fragment the producer cut goes through the spool and is sent at least once: its timecode (the
    // absolute producer timestamp in ms) is recorded on the first send.
    const sent = new Map<number, number>();
    camera.session.on('fragment-sent', (e) => sent.set(e.timecode, Math.max(sent.get(e.timecode) ?? 0, e.sendCount)));

    await waitUntil('3 fragments persisted', () => camera.session.stats().totals.fragmentsPersisted >= 3, { timeoutMs: 10_000, intervalMs: 50 });
    const persistedBeforeKill = camera.session.stats().totals.fragmentsPersisted;
    await kill(emulator, 'SIGKILL');
    emulator = undefined;
    await sleep(2000); // the camera keeps capturing into the spool
    const spooledDuringOutage = camera.spool.size;
    const writtenDuringOutage = camera.pipeline.stats().fragmentsWritten;

    emulator = await startChild({ port, dynamodb: false, dataDir });
    // The producer reconnects and resends the backlog; wait until it has persisted past what was spooled.
    await waitUntil(
      'the backlog to be persisted after the restart',
      () => camera.session.stats().totals.fragmentsPersisted >= writtenDuringOutage + 1,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const report = await producer.close();
    producer = undefined;
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });

    const stats = camera.pipeline.stats();
    const totals = camera.session.stats().totals;
    expect(persistedBeforeKill).toBeGreaterThanOrEqual(3);
    expect(spooledDuringOutage).toBeGreaterThan(0);
    expect(totals.reconnects).toBeGreaterThanOrEqual(1);
    expect(stats.fragmentsDropped).toBe(0);
    expect(stats.fragmentsWritten).toBe(stats.fragmentsCut);
    expect(camera.spool.size).toBe(0);
    expect(camera.spool.pending()).toEqual([]);
    // The producer's own accounting: every fragment cut was sent and persisted.
    expect(sent.size).toBe(stats.fragmentsWritten);
    expect(totals.fragmentsPersisted).toBeGreaterThanOrEqual(stats.fragmentsWritten);

    const listed = await listFragments(emulator.url, stream);
    const listedTs = listed.map((f) => f.ProducerTimestamp?.getTime() ?? 0);
    const cutTs = [...sent.keys()].sort((a, b) => a - b);
    // Exactly once each: no duplicate, none missing, nothing extra.
    expect(listedTs).toEqual(cutTs);
    expect(listed).toHaveLength(stats.fragmentsWritten);
    for (let i = 1; i < listedTs.length; i++) expect(listedTs[i]).toBeGreaterThan(listedTs[i - 1]);
  }, 30_000);
});
