/**
 * What the container runs, without a Docker engine: the bundle target's output (built here with the target's own
 * commands), copied to a temp folder with no node_modules above it, started with the Dockerfile's CMD and ENV in
 * that folder, pointed at an in-process emulator through AWS's own variables only. Then the endpoints a load
 * balancer and a viewer use, the Dockerfile's HEALTHCHECK command itself, and SIGTERM → exit 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { generateApiKey } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createActiveVideoStream, createKinesisVideoClient, TEST_REGION, uniqueStreamName } from '@tributary/emulator/testing';
import { buildBundle, nodeModulesAbove, spawnLogged, type LoggedProcess } from '@tributary/runtime/testing';
import { envOf, execForm, healthcheckOf, instructionsOf, readDockerfile, type DockerStage } from '../testing/dockerfile';

const ROOT = join(__dirname, '..', '..', '..', '..');
const APP = 'apps/playback-gateway';

jest.setTimeout(180_000);

describe('playback-gateway bundle, run as the image runs it', () => {
  const runtime = readDockerfile(readFileSync(join(ROOT, APP, 'Dockerfile'), 'utf8')).at(-1) as DockerStage;
  const key = generateApiKey({ scopes: ['video:read'], name: 'bundle test' });
  const stream = uniqueStreamName('bundle-cam');
  let work: string;
  let appDir: string;
  let emulator: RunningEmulator;
  let kvs: KinesisVideoClient;
  let gateway: LoggedProcess;
  let url: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gateway-bundle-'));
    appDir = join(work, 'app');
    buildBundle(ROOT, APP, 'playback-gateway', appDir);
    emulator = await startEmulator({ port: 0, dynamodb: false });
    kvs = createKinesisVideoClient(emulator.url);
    await createActiveVideoStream(kvs, stream);

    const cmd = execForm(instructionsOf(runtime, 'CMD').at(-1)?.args ?? '');
    // Only what the image and `docker run -e …` give it: no NODE_PATH, nothing of the test's environment.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      ...envOf(runtime),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: emulator.url,
      GATEWAY_API_KEYS: `${key.record.id}:${key.record.hash}:video:read`,
      GATEWAY_PLAYBACK_KEY: 'playback-key-of-the-bundle-test-0123456789abcdef',
    };
    gateway = spawnLogged(cmd[0] === 'node' ? process.execPath : cmd[0], cmd.slice(1), { cwd: appDir, env });
    const ready = await gateway.waitForLog('ready', 30_000);
    url = String(ready['url']);
  });

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    kvs?.destroy();
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is one folder that stands alone: main.js, its source map, public/ and vendor/ (hls.js, uPlot), no node_modules in reach', () => {
    expect(statSync(join(appDir, 'main.js')).size).toBeGreaterThan(500_000); // dependencies inlined
    expect(existsSync(join(appDir, 'main.js.map'))).toBe(true);
    expect(existsSync(join(appDir, 'public', 'index.html'))).toBe(true);
    for (const file of ['hls.min.js', 'uPlot.iife.min.js', 'uPlot.min.css']) expect(existsSync(join(appDir, 'vendor', file))).toBe(true);
    expect(nodeModulesAbove(appDir)).toEqual([]);
  });

  it('answers /healthz and /readyz (KVS reachable through AWS_ENDPOINT_URL)', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('serves the player page and the hls.js it ships', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<video[^>]*id="player"/);
    const hls = await fetch(`${url}/vendor/hls.min.js`);
    expect(hls.status).toBe(200);
    expect(hls.headers.get('content-type')).toMatch(/javascript/);
    expect((await hls.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  it('serves the dashboard page and the uPlot it ships', async () => {
    const page = await fetch(`${url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    for (const [file, type] of [
      ['uPlot.iife.min.js', /javascript/],
      ['uPlot.min.css', /text\/css/],
    ] as const) {
      const res = await fetch(`${url}/vendor/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
    }
  });

  it('lists the streams for a viewer with an API key, and refuses one without', async () => {
    expect((await fetch(`${url}/api/streams`)).status).toBe(401);
    const res = await fetch(`${url}/api/streams`, { headers: { 'X-Api-Key': key.key } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { streams: Array<{ name: string; status: string }> };
    expect(body.streams).toEqual(expect.arrayContaining([expect.objectContaining({ name: stream, status: 'ACTIVE' })]));
  });

  it("passes the Dockerfile's HEALTHCHECK command (and that command fails when nothing listens)", () => {
    const hc = healthcheckOf(runtime);
    expect(hc).toBeDefined();
    const [bin, ...args] = hc?.command ?? [];
    const run = (port: string): number | null =>
      spawnSync(bin === 'node' ? process.execPath : bin, args, { cwd: appDir, env: { PATH: process.env['PATH'], GATEWAY_PORT: port }, timeout: 10_000 }).status;
    expect(run(new URL(url).port)).toBe(0);
    expect(run('1')).toBe(1);
  });

  it('exits 0 on SIGTERM (docker stop)', async () => {
    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(gateway.output().join('\n')).toContain('"msg":"stopping"');
  });
});
