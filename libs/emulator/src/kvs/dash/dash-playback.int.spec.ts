/**
 * DASH playback in a browser: dash.js (the dashjs package's UMD build) in Debian's chromium through playwright-core
 * plays the URL GetDASHStreamingSessionURL answers (official SDK v3 client on the GET_DASH_STREAMING_SESSION_URL data
 * endpoint), LIVE while PutMedia streams at about real time, and ON_DEMAND over stored media: the video element's
 * currentTime advances, frames are decoded, and dash.js reports no error. The emulator runs on the real clock here
 * (a live player compares the manifest's times with its own clock).
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetDASHStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  type GetDASHStreamingSessionURLCommandInput,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia, type PutMediaExchange } from '../../testing/kvs-media-fixtures';
import { launchChromium, pagePoller } from '../../testing/browser-harness';

/** dash.js's browser build (the package's exports do not name its files: found from its entry point). */
const DASH_JS = path.join(require.resolve('dashjs').replace(/(node_modules[\\/]dashjs)[\\/].*$/, '$1'), 'dist/modern/umd/dash.all.min.js');

// Page code as strings: this project is typed for Node, without the DOM library.
const PAGE = `<!doctype html>
<html><body><video id="player" muted autoplay playsinline width="320" height="240"></video>
<script src="/dash.all.min.js"></script>
<script>
  window.__dashErrors = [];
  window.startDash = (url) => {
    const player = dashjs.MediaPlayer().create();
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => window.__dashErrors.push(JSON.stringify(e.error || e)));
    player.initialize(document.getElementById('player'), url, true);
    window.__player = player;
  };
</script></body></html>`;

const PLAYBACK = `(() => {
  const v = document.getElementById('player');
  const q = v.getVideoPlaybackQuality();
  return { frames: q.totalVideoFrames, currentTime: v.currentTime, errors: window.__dashErrors };
})()`;

interface Playback {
  frames: number;
  currentTime: number;
  errors: string[];
}

const playback = (page: Page): Promise<Playback> => page.evaluate<Playback>(PLAYBACK);
const pollPage = pagePoller({ describe: async (page) => JSON.stringify(await playback(page)) });

/** Plays `url` and checks that playback advances over two seconds: a later currentTime, more frames, no error. */
async function expectPlays(page: Page, pageOrigin: string, url: string): Promise<Playback> {
  await page.goto(`${pageOrigin}/dash.html`);
  await page.evaluate(`startDash(${JSON.stringify(url)})`);
  await pollPage(page, `document.getElementById('player').currentTime > 0.5`, 30_000);
  const before = await playback(page);
  await sleep(2000);
  const after = await playback(page);
  expect(after.errors).toEqual([]);
  expect(after.frames).toBeGreaterThan(before.frames);
  expect(after.currentTime).toBeGreaterThan(before.currentTime + 1);
  return after;
}

// No skip without chromium: launchChromium fails with the fix (the test setup installs Debian's chromium).
describe('DASH playback with dash.js in chromium', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let dash: KinesisVideoArchivedMediaClient;
  let browser: Browser;
  let page: Page;
  /**
   * The page's own server on loopback (an origin the emulator's CORS policy allows by default): a real one, as
   * chromium refuses a page served by a playwright route access to the loopback address space.
   */
  let pages: http.Server;
  let pageOrigin = '';
  const name = uniqueStreamName('dash-play');
  const session = async (input: Omit<GetDASHStreamingSessionURLCommandInput, 'StreamName'>): Promise<string> =>
    (await dash.send(new GetDASHStreamingSessionURLCommand({ StreamName: name, ...input }))).DASHStreamingSessionURL ?? '';

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    dash = new KinesisVideoArchivedMediaClient({
      endpoint: await dataEndpointOf(client, name, 'GET_DASH_STREAMING_SESSION_URL'),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    browser = await launchChromium();
    page = await browser.newPage();
    const script = readFileSync(DASH_JS);
    pages = http.createServer((req, res) => {
      const isScript = req.url === '/dash.all.min.js';
      res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
      res.end(isScript ? script : PAGE);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    dash.destroy();
    client.destroy();
    await emu.close();
  });

  it('plays an ON_DEMAND session', async () => {
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 120_000;
    const pattern = await ffmpegTestPattern({ seconds: 8, fps: 25 });
    await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: (startMs / 1000).toFixed(3) });
    const url = await session({
      PlaybackMode: 'ON_DEMAND',
      DASHFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs), EndTimestamp: new Date(startMs + 60_000) } },
    });
    await expectPlays(page, pageOrigin, url);
  }, 60_000);

  it('plays a LIVE session while media streams in', async () => {
    const pattern = await ffmpegTestPattern({ seconds: 20, fps: 25 });
    const pieces = 200;
    let firstPersisted!: () => void;
    const persisted = new Promise<void>((resolve) => (firstPersisted = resolve));
    let upload: { abort(): void } | undefined;
    // About real time: the body in 200 pieces 100 ms apart, producer timestamps from now.
    const putting: Promise<PutMediaExchange> = sendPutMedia(emu.url, {
      streamName: name,
      body: pattern,
      chunkBytes: Math.ceil(pattern.length / pieces),
      chunkDelayMs: 100,
      onAck: (ack) => {
        if (ack.EventType === 'PERSISTED') firstPersisted();
      },
      control: (handle) => (upload = handle),
    });
    try {
      await persisted;
      const url = await session({ PlaybackMode: 'LIVE' });
      await expectPlays(page, pageOrigin, url);
    } finally {
      upload?.abort();
      await putting.catch(() => undefined);
    }
  }, 90_000);
});
