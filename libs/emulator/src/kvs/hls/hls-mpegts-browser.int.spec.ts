/**
 * MPEG_TS sessions played by hls.js (which transmuxes TS to fMP4 for MSE) in Debian's chromium, as a web page on
 * another loopback origin plays a KVS session URL: ON_DEMAND to well past its first segment, LIVE while fragments
 * keep arriving. Frames decoded and currentTime advancing, no fatal hls.js error.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetHLSStreamingSessionURLCommand, KinesisVideoArchivedMediaClient, type GetHLSStreamingSessionURLCommandInput } from '@aws-sdk/client-kinesis-video-archived-media';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { hlsErrorRecorderScript, launchChromium, pagePoller, recordedHlsErrors } from '../../testing/browser-harness';
import { TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../../testing/kvs-test-clients';
import { sendPutMedia } from '../../testing/kvs-media-fixtures';

const run = promisify(execFile);
const FFMPEG = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';

async function avMkv(seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    FFMPEG,
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-f', 'matroska', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

const PAGE = `<!doctype html><html><body>
<video id="v" muted autoplay playsinline></video>
<script src="/hls.min.js"></script>
<script>
  window.play = (url) => {
    const hls = new Hls();
    hls.loadSource(url);
    hls.attachMedia(document.getElementById('v'));
    hls.on(Hls.Events.MANIFEST_PARSED, () => document.getElementById('v').play());
    // The tracks hls.js found in the transport stream (it makes one source buffer per track).
    hls.on(Hls.Events.BUFFER_CODECS, (_e, d) => (window.__tracks = ['audio', 'video'].filter((t) => d[t])));
  };
</script></body></html>`;

/** The page and hls.js from a server of its own: another origin than the emulator's, as a real player page. */
function pageServer(): Promise<http.Server> {
  const hlsJs = fs.readFileSync(require.resolve('hls.js/dist/hls.min.js'));
  const server = http.createServer((req, res) => {
    if (req.url === '/hls.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Playback {
  frames: number;
  currentTime: number;
}
const PLAYBACK = `(() => { const v = document.getElementById('v'); return { frames: v.getVideoPlaybackQuality().totalVideoFrames, currentTime: v.currentTime }; })()`;
const poll = pagePoller({ describe: async (page) => JSON.stringify(await page.evaluate(PLAYBACK)) });

describe('MPEG_TS sessions in hls.js (chromium)', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let browser: Browser;
  let server: http.Server;
  let page: Page;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
    server = await pageServer();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    client.destroy();
    await emu.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    await page.addInitScript(hlsErrorRecorderScript());
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  afterEach(async () => {
    expect((await recordedHlsErrors(page)).filter((e) => e.fatal)).toEqual([]);
    await page.close();
  });

  const sessionUrl = async (name: string, input: Partial<GetHLSStreamingSessionURLCommandInput>): Promise<string> => {
    const hls = new KinesisVideoArchivedMediaClient({ endpoint: await dataEndpointOf(client, name, 'GET_HLS_STREAMING_SESSION_URL'), region: TEST_REGION, credentials: TEST_CREDENTIALS });
    try {
      const out = await hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: name, ContainerFormat: 'MPEG_TS', ...input }));
      return out.HLSStreamingSessionURL ?? '';
    } finally {
      hls.destroy();
    }
  };

  it('ON_DEMAND: plays past the third second (segments 1 to 4), audio and video', async () => {
    const name = uniqueStreamName('hls-ts-play');
    await createActiveVideoStream(client, name);
    const t0 = Date.now() - 60_000;
    await sendPutMedia(emu.url, { streamName: name, body: await avMkv(5), startTimestamp: (t0 / 1000).toFixed(3) });
    const url = await sessionUrl(name, {
      PlaybackMode: 'ON_DEMAND',
      HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(t0 - 1000), EndTimestamp: new Date(t0 + 60_000) } },
    });
    await page.evaluate(`window.play(${JSON.stringify(url)})`);
    await poll(page, `document.getElementById('v').currentTime > 3.2`, 30_000);
    const p = await page.evaluate<Playback>(PLAYBACK);
    expect(p.frames).toBeGreaterThan(75);
    expect(await page.evaluate<string[]>('window.__tracks')).toEqual(['audio', 'video']);
  }, 60_000);

  it('LIVE: keeps playing while fragments arrive once a second', async () => {
    const name = uniqueStreamName('hls-ts-live');
    await createActiveVideoStream(client, name);
    const second = await avMkv(1);
    const t0 = Date.now() - 3000;
    let k = 0;
    const put = async (): Promise<void> => {
      await sendPutMedia(emu.url, { streamName: name, body: second, startTimestamp: ((t0 + k * 1000) / 1000).toFixed(3) });
      k++;
    };
    for (let i = 0; i < 3; i++) await put();
    const url = await sessionUrl(name, { PlaybackMode: 'LIVE' });
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        await sleep(Math.max(0, t0 + k * 1000 - 2000 - Date.now()));
        await put();
      }
    })();
    try {
      await page.evaluate(`window.play(${JSON.stringify(url)})`);
      await poll(page, `document.getElementById('v').currentTime > 0`, 30_000);
      const before = await page.evaluate<Playback>(PLAYBACK);
      await sleep(4000);
      const after = await page.evaluate<Playback>(PLAYBACK);
      expect(after.currentTime - before.currentTime).toBeGreaterThan(2.5);
      expect(after.frames - before.frames).toBeGreaterThan(50);
    } finally {
      feeding = false;
      await feeder;
    }
  }, 60_000);
});
