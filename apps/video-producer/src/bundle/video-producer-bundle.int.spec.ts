/**
 * The edge build as a device runs it: the bundle target's output (built here with the target's own commands),
 * copied to a temp folder with only its run-time externals next to it (fluent-ffmpeg and its dependencies, as
 * `npm install --omit=dev fluent-ffmpeg` would put there), configured the way deploy/video-producer.service does
 * (a cameras JSON file, VIDEO_* variables, the system ffmpeg) and pointed at an in-process emulator through AWS's
 * own variables. Two test-pattern cameras; their fragments must be acknowledged and listed by ListFragments, and
 * SIGTERM must drain and exit 0.
 */
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { ListFragmentsCommand, type Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createArchivedMediaClient, createKinesisVideoClient, TEST_REGION, uniqueStreamName } from '@tributary/emulator/testing';
import { buildBundle, copyPackageWithDependencies, nodeModulesAbove, spawnLogged, type LoggedProcess } from '@tributary/runtime/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { unitEnvironment } from './unit-environment';

const ROOT = join(__dirname, '..', '..', '..', '..');
const APP = 'apps/video-producer';

jest.setTimeout(180_000);


/** The system ffmpeg, as the deployment notes ask for (`apt install ffmpeg`). */
function systemFfmpeg(): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'ffmpeg'), constants.X_OK);
      return join(dir, 'ffmpeg');
    } catch {
      // next
    }
  }
  throw new Error('no ffmpeg on PATH: install it (tools/setup/ensure-system-deps.sh)');
}

describe('video-producer bundle, run as the systemd unit runs it', () => {
  const streams = [uniqueStreamName('edge-cam-a'), uniqueStreamName('edge-cam-b')];
  let work: string;
  let appDir: string;
  let emulator: RunningEmulator;
  let kvs: KinesisVideoClient;
  let producer: LoggedProcess;
  let url: string;

  const fragmentsOf = async (stream: string): Promise<Fragment[]> => {
    const archived = await createArchivedMediaClient(kvs, stream);
    try {
      const page = await archived.send(
        new ListFragmentsCommand({
          StreamName: stream,
          MaxResults: 1000,
          FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(Date.now() + 60_000) } },
        }),
      );
      return page.Fragments ?? [];
    } finally {
      archived.destroy();
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'video-producer-bundle-'));
    appDir = join(work, 'opt', 'video-producer');
    buildBundle(ROOT, APP, 'video-producer', appDir);
    copyPackageWithDependencies(ROOT, 'fluent-ffmpeg', join(appDir, 'node_modules'));
    emulator = await startEmulator({ port: 0, dynamodb: false });
    kvs = createKinesisVideoClient(emulator.url);

    const camerasFile = join(work, 'cameras.json');
    const camera = { source: 'testsrc', fragmentMs: 1000, width: 320, height: 240, fps: 15, bitrateKbps: 300, preset: 'ultrafast' };
    writeFileSync(camerasFile, JSON.stringify({ cameras: streams.map((stream) => ({ stream, ...camera })) }));
    producer = spawnLogged(process.execPath, ['--enable-source-maps', join(appDir, 'main.js')], {
      cwd: appDir,
      env: unitEnvironment({ work, camerasFile, ffmpegPath: systemFfmpeg(), endpoint: emulator.url, region: TEST_REGION }),
    });
    const ready = await producer.waitForLog('ready', 60_000);
    url = String(ready['url']);
  });

  afterAll(async () => {
    await producer?.stop('SIGKILL');
    kvs?.destroy();
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is one file plus its run-time externals, with no workspace node_modules in reach', () => {
    expect(statSync(join(appDir, 'main.js')).size).toBeGreaterThan(500_000); // the SDK and libs inlined
    expect(readdirSync(join(appDir, 'node_modules')).sort()).toEqual(expect.arrayContaining(['fluent-ffmpeg']));
    expect(existsSync(join(appDir, 'node_modules', '@ffmpeg-installer'))).toBe(false); // the system ffmpeg instead
    expect(nodeModulesAbove(appDir)).toEqual([join(appDir, 'node_modules')]);
  });

  it('gets fragments of both cameras acknowledged and listed by ListFragments', async () => {
    const deadline = Date.now() + 60_000;
    let counts: number[] = [];
    while (Date.now() < deadline) {
      counts = await Promise.all(streams.map(async (s) => (await fragmentsOf(s)).length));
      if (counts.every((c) => c >= 3)) break;
      await sleep(500);
    }
    expect(counts.every((c) => c >= 3)).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const stream of streams) {
      const persisted = new RegExp(`video_producer_fragments_persisted_total\\{stream="${stream.replace(/[.]/g, '\\.')}"\\} (\\d+)`).exec(metrics);
      expect(Number(persisted?.[1] ?? 0)).toBeGreaterThanOrEqual(3);
    }
  });

  // Issue 20: the unit set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, so on Node 20 nothing said that the
  // SDK's releases after January 2027 need Node 22. The app now says it itself, once, and keeps the SDK's raw
  // multi-line process warning off stderr; on Node 22 and 24 there is nothing to say.
  it('says once in its own log when its Node is one the AWS SDK is leaving, and nothing on Node 22 and later', () => {
    const output = producer.output();
    const notices = output.filter((l) => /"level":40\b.*"msg":"Node \d+ reached end of life/.test(l));
    expect(notices).toHaveLength(Number(process.versions.node.split('.')[0]) < 22 ? 1 : 0);
    expect(output.filter((l) => l.includes('NodeVersionSupportWarning'))).toEqual([]);
  });

  it('reports healthy on /healthz', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('drains on SIGTERM and exits 0, everything it cut persisted', async () => {
    expect(await producer.stop('SIGTERM', 60_000)).toBe(0);
    const output = producer.output().join('\n');
    expect(output).toContain('"msg":"stopped"');
    for (const stream of streams) {
      const spool = join(work, 'var', 'lib', 'video-producer', 'spool', stream);
      expect(existsSync(spool)).toBe(true);
      expect(readdirSync(spool).filter((f) => f.endsWith('.frag'))).toEqual([]);
    }
  });
});
