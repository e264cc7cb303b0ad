/**
 * The web player end to end, in Debian's chromium driven by playwright-core: the emulator in process, the real
 * video producer (test pattern, 0.5-s fragments) in a child process, the gateway in process. The page is used as a
 * viewer uses it — sign in with an API key, pick the stream, press the buttons — and the test checks what the
 * viewer would see: frames decoded and time advancing (live, proxied and direct, and a replayed range), a
 * capture-to-screen latency on screen, a clip that downloads and that ffprobe reads as H.264 MP4, and a snapshot
 * image. Screenshots land in dist/test-artifacts/ (git-ignored).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable, hlsErrorRecorderScript, launchChromium, pagePoller, recordedHlsErrors } from '@tributary/emulator/testing';
import { startPlaybackStack, type PlaybackStack } from '../testing/playback-stack';
import { setTimeout as sleep } from 'node:timers/promises';

const ARTIFACTS = resolve(__dirname, '../../../../dist/test-artifacts');
const FFPROBE = existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';
const execFileAsync = promisify(execFile);

interface Playback {
  frames: number;
  dropped: number;
  currentTime: number;
  state: string;
  mode: string;
  delivery: string;
  status: string;
  latencyMs: string;
}

// Page code as strings: this project is typed for Node, without the DOM library.
const PLAYBACK = `(() => {
  const v = document.getElementById('player');
  const q = v.getVideoPlaybackQuality();
  return {
    frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, currentTime: v.currentTime,
    state: v.dataset.state || '', mode: v.dataset.mode || '', delivery: v.dataset.delivery || '',
    status: document.getElementById('status').textContent || '', latencyMs: document.getElementById('latency').dataset.ms || '',
  };
})()`;

const playback = (page: Page): Promise<Playback> => page.evaluate<Playback>(PLAYBACK);

/** Waits (polling from the test, as the page's CSP refuses waitForFunction) and says the page's status on a timeout. */
const pollPage = pagePoller({ describe: async (page) => (await playback(page)).status });

/** Playback advances over `ms`: more frames decoded and a later currentTime, and no error state (hls.js fatal errors set it). */
async function expectAdvancing(page: Page, ms: number): Promise<{ before: Playback; after: Playback }> {
  await pollPage(page, `document.getElementById('player').currentTime > 0`, 30_000);
  const before = await playback(page);
  await sleep(ms);
  const after = await playback(page);
  expect(after.state).not.toBe('error');
  expect(after.frames).toBeGreaterThan(before.frames);
  expect(after.currentTime).toBeGreaterThan(before.currentTime);
  return { before, after };
}

/** `datetime-local` input value of an instant, in UTC (the browser context runs in UTC). */
const localInput = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

/**
 * ffprobe's view of a file or URL. Asynchronous on purpose: the emulator and the gateway run in this process, so
 * a synchronous child would block the very event loop that has to answer its requests.
 */
async function ffprobe(input: string): Promise<{ format: string; codec: string; frames: number; width: number; height: number }> {
  const { stdout } = await execFileAsync(
    FFPROBE,
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'format=format_name:stream=codec_name,width,height,nb_read_frames', '-of', 'json', input],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const j = JSON.parse(stdout) as { format?: { format_name?: string }; streams?: Array<{ codec_name?: string; width?: number; height?: number; nb_read_frames?: string }> };
  const s = j.streams?.[0];
  return { format: j.format?.format_name ?? '', codec: s?.codec_name ?? '', frames: Number(s?.nb_read_frames ?? 0), width: s?.width ?? 0, height: s?.height ?? 0 };
}

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

describeBrowser('web player in chromium (emulator + video producer + gateway)', () => {
  let stack: PlaybackStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let downloads: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    downloads = mkdtempSync(join(tmpdir(), 'gateway-e2e-downloads-'));
    stack = await startPlaybackStack({ fragmentMs: 500 });
    browser = await launchChromium();
    // Six fragments (3 s) before the page opens: the live playlist then has a full window.
    await stack.waitForFragments(6);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (downloads) rmSync(downloads, { recursive: true, force: true });
  });

  beforeEach(async () => {
    context = await browser.newContext({ acceptDownloads: true, timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A Content-Security-Policy refusal (hls.js's worker, a blob: URL, the KVS origin in direct mode) is only logged.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) pageErrors.push(msg.text());
    });
    // Every hls.js error in window.__hlsErrors, so the test sees fatal errors even when the page recovers from them.
    await page.addInitScript(hlsErrorRecorderScript());
    await page.goto(stack.gateway.url);
    await page.fill('#api-key', stack.apiKey);
    await page.click('#sign-in');
    await page.waitForSelector(`[data-stream="${stack.stream}"]`, { timeout: 15_000 });
    await page.click(`#streams [data-stream="${stack.stream}"]`);
  });

  afterEach(async () => {
    const name = expect.getState().currentTestName?.replace(/[^a-z0-9]+/gi, '-').toLowerCase() ?? 'test';
    await page?.screenshot({ path: join(ARTIFACTS, `playback-gateway-e2e-${name}.png`) }).catch(() => undefined);
    const hlsErrors = await recordedHlsErrors(page).catch(() => []);
    await context?.close();
    expect(pageErrors.splice(0)).toEqual([]);
    expect(hlsErrors.filter((e) => e.fatal)).toEqual([]);
  });

  it('signs in, lists the stream with its health, plays it live through the proxy: frames decode, time advances, latency on screen', async () => {
    await expect(page.textContent('#auth-status')).resolves.toMatch(/Signed in/);
    // The error recorder is in place (else a fatal hls.js error could go unseen).
    await expect(page.evaluate<boolean>('Array.isArray(window.__hlsErrors) && typeof window.Hls === "function"')).resolves.toBe(true);
    await page.click('#play-live');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 4000);
    expect(after.mode).toBe('LIVE');
    expect(after.delivery).toBe('proxied');
    // The latency readout: now minus the program date-time (producer timestamp) of the frame on screen.
    await pollPage(page, `document.getElementById('latency').dataset.ms !== ''`, 10_000);
    const latencyMs = Number((await playback(page)).latencyMs);
    expect(latencyMs).toBeGreaterThan(0);
    expect(latencyMs).toBeLessThan(10_000);
  }, 90_000);

  it("plays live directly from the emulator's HLS (direct mode): hls.js accepts the emulator's playlists and fMP4", async () => {
    await page.selectOption('#delivery', 'direct');
    await page.click('#play-live');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 3000);
    expect(after.delivery).toBe('direct');
  }, 90_000);

  it('replays a past range (ON_DEMAND) and it plays', async () => {
    const fragments = await stack.waitForFragments(10);
    const start = fragments[1].ProducerTimestamp?.getTime() ?? 0;
    const end = fragments[8].ProducerTimestamp?.getTime() ?? 0;
    await page.fill('#replay-start', localInput(start));
    await page.fill('#replay-end', localInput(end + 1000));
    await page.click('#play-replay');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 2000);
    expect(after.mode).toBe('ON_DEMAND');
  }, 90_000);

  it('downloads a clip of a past range that ffprobe reads as H.264 MP4 with frames', async () => {
    const fragments = await stack.waitForFragments(10);
    const start = fragments[1].ProducerTimestamp?.getTime() ?? 0;
    const end = fragments[7].ProducerTimestamp?.getTime() ?? 0;
    await page.fill('#replay-start', localInput(start));
    await page.fill('#replay-end', localInput(end + 1000));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#clip')]);
    const file = join(downloads, download.suggestedFilename() || 'clip.mp4');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/\.mp4$/);
    const probe = await ffprobe(file);
    expect(probe.format).toMatch(/mp4/);
    expect(probe.codec).toBe('h264');
    expect([probe.width, probe.height]).toEqual([320, 240]);
    // At 25 fps, the range covers several seconds: well over one fragment's worth of frames.
    expect(probe.frames).toBeGreaterThan(25);
  }, 90_000);

  it("ffprobe reads the same past range from the emulator's HLS directly and through the gateway's proxy", async () => {
    const fragments = await stack.waitForFragments(10);
    const start = fragments[1].ProducerTimestamp?.getTime() ?? 0;
    const end = fragments[5].ProducerTimestamp?.getTime() ?? 0;
    const counts: number[] = [];
    for (const delivery of ['direct', 'proxied']) {
      const res = await fetch(`${stack.gateway.url}/api/streams/${stack.stream}/playback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
        body: JSON.stringify({ mode: 'ON_DEMAND', delivery, start, end: end + 1 }),
      });
      expect(res.status).toBe(201);
      const { url } = (await res.json()) as { url: string };
      expect(url.startsWith(delivery === 'direct' ? stack.emulator.url : stack.gateway.url)).toBe(true);
      const probe = await ffprobe(url);
      expect(probe.codec).toBe('h264');
      counts.push(probe.frames);
    }
    // Fragments 1..5 at 25 fps, 0.5 s each: about 60 frames, the same either way.
    expect(counts[0]).toBeGreaterThan(40);
    expect(counts[1]).toBe(counts[0]);
  }, 90_000);

  it('shows a snapshot image of a past instant', async () => {
    const fragments = await stack.waitForFragments(6);
    const at = (fragments[2].ProducerTimestamp?.getTime() ?? 0) + 200;
    await page.fill('#replay-start', localInput(at));
    await page.click('#snapshot');
    await page.waitForSelector('#snapshot[data-state="done"]', { timeout: 60_000 });
    await pollPage(page, `document.getElementById('snapshot-image').complete && document.getElementById('snapshot-image').naturalWidth > 0`, 10_000);
    const size = await page.evaluate<{ w: number; h: number; hidden: boolean }>(
      `(() => { const i = document.getElementById('snapshot-image'); return { w: i.naturalWidth, h: i.naturalHeight, hidden: document.getElementById('snapshot-figure').hidden }; })()`,
    );
    expect(size.hidden).toBe(false);
    expect(size.w).toBeGreaterThan(0);
    expect(size.h).toBeGreaterThan(0);
  }, 90_000);
});
