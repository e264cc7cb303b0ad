/**
 * The web player end to end, in Debian's chromium driven by playwright-core: the emulator in process, the real
 * video producer (test pattern, 0.5-s fragments) in a child process, the gateway in process. The page is used as a
 * viewer uses it — sign in with an API key, pick the camera, press the buttons, click and drag on the recording
 * timeline — and the test checks what the viewer would see: frames decoded and time advancing (live, proxied and
 * direct, a preset, a time picked on the timeline or typed), the readouts in words and in local time, a clip of the
 * range dragged on the timeline that ffprobe reads as H.264 MP4, a snapshot of the very frame on screen, failures
 * worded for a viewer, and buttons that say why they are disabled. The browser runs in Asia/Kolkata (UTC+05:30),
 * so a time shown in UTC or rounded to the wrong hour fails. Layout and accessibility: player-layout.e2e.int.spec.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { chromiumAvailable, hlsErrorRecorderScript, launchChromium, recordedHlsErrors, uniqueStreamName } from '@tributary/emulator/testing';
import { ARTIFACTS, freshArtifacts } from '../testing/page-checks';
import { startPlaybackStack, type PlaybackStack } from '../testing/playback-stack';
import { clockIn, dragOnTimeline, ffprobe, pickStream, playback, pollPage, signIn, timelinePoint, timelineState, type Playback } from '../testing/player-page';

const ZONE = 'Asia/Kolkata';

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

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

describeBrowser('web player in chromium (emulator + video producer + gateway)', () => {
  let stack: PlaybackStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let downloads: string;
  /** A camera that exists and has never sent a fragment. */
  const silent = uniqueStreamName('e2e-silent');
  const pageErrors: string[] = [];

  beforeAll(async () => {
    freshArtifacts('playback-gateway-e2e-');
    downloads = mkdtempSync(join(tmpdir(), 'gateway-e2e-downloads-'));
    stack = await startPlaybackStack({ fragmentMs: 500 });
    await stack.kvs.send(new CreateStreamCommand({ StreamName: silent, DataRetentionInHours: 24, MediaType: 'video/h264' }));
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
    context = await browser.newContext({ acceptDownloads: true, timezoneId: ZONE, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A Content-Security-Policy refusal (hls.js's worker, a blob: URL, the KVS origin in direct mode) is only logged.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) pageErrors.push(msg.text());
    });
    // Every hls.js error in window.__hlsErrors, so the test sees fatal errors even when the page recovers from them.
    await page.addInitScript(hlsErrorRecorderScript());
    await page.goto(stack.gateway.url);
  });

  afterEach(async () => {
    const name = expect.getState().currentTestName?.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 120) ?? 'test';
    await page?.screenshot({ path: join(ARTIFACTS, `playback-gateway-e2e-${name}.png`) }).catch(() => undefined);
    const hlsErrors = await recordedHlsErrors(page).catch(() => []);
    await context?.close();
    expect(pageErrors.splice(0)).toEqual([]);
    expect(hlsErrors.filter((e) => e.fatal)).toEqual([]);
  });

  it('signed out, says what signing in shows; signed in, its disabled buttons say why', async () => {
    await expect(page.isVisible('#signed-out-intro')).resolves.toBe(true);
    await expect(page.textContent('#signed-out-intro')).resolves.toMatch(/Sign in to watch your cameras.*watch\s+one\s+live.*replay.*clip.*snapshot/s);
    await expect(page.isVisible('#viewer')).resolves.toBe(false);
    await signIn(page, stack.apiKey, stack.stream);
    await expect(page.isVisible('#signed-out-intro')).resolves.toBe(false);
    // No camera picked yet: every control disabled, each saying why, as its title and its accessible description.
    for (const id of ['play-live', 'play-last5m', 'play-last1h', 'play-goto', 'clip', 'snapshot', 'mark-in']) {
      const why = await page.evaluate<{ disabled: boolean; title: string; described: string }>(
        `(() => { const b = document.getElementById('${id}'); const d = document.getElementById(b.getAttribute('aria-describedby') || '');
          return { disabled: b.disabled, title: b.title, described: d ? d.textContent : '' }; })()`,
      );
      expect(why).toEqual({ disabled: true, title: 'Pick a camera from the list first.', described: 'Pick a camera from the list first.' });
    }
    await pickStream(page, stack.stream);
    await expect(page.isDisabled('#play-live')).resolves.toBe(false);
    await expect(page.getAttribute('#play-live', 'title')).resolves.toBeNull();
    // Marks are set at the time on screen: nothing plays yet.
    await expect(page.getAttribute('#mark-in', 'title')).resolves.toMatch(/^Play the camera first/);
  }, 60_000);

  it('plays live through the proxy: frames decode, time advances; mode, time on screen (local), delay and health in words', async () => {
    await signIn(page, stack.apiKey, stack.stream);
    await pickStream(page, stack.stream);
    await page.click('#play-live');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 4000);
    expect(after.mode).toBe('LIVE');
    expect(after.modeText).toBe('Live');
    expect(after.delivery).toBe('proxied');
    // The delay: now minus the program date-time (producer timestamp) of the frame on screen.
    await pollPage(page, `document.getElementById('latency').dataset.ms !== ''`, 10_000);
    const now = await playback(page);
    expect(Number(now.latencyMs)).toBeGreaterThan(0);
    expect(Number(now.latencyMs)).toBeLessThan(10_000);
    expect(now.playingText).toBe(clockIn(Number(now.playingMs), ZONE));
    await expect(page.textContent('#health')).resolves.toMatch(/live · [\d.]+ fragments\/s · \d+ kbit\/s .* buffered · \d+ dropped frames/);
  }, 90_000);

  it("plays live directly from the emulator's HLS (direct mode): hls.js accepts the emulator's playlists and fMP4", async () => {
    await signIn(page, stack.apiKey, stack.stream);
    await pickStream(page, stack.stream);
    await page.selectOption('#delivery', 'direct');
    await page.click('#play-live');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 3000);
    expect(after.delivery).toBe('direct');
  }, 90_000);

  it('shows the recording and the gap before it on the timeline, and replays from the time clicked', async () => {
    await stack.waitForFragments(40);
    await signIn(page, stack.apiKey, stack.stream);
    await pickStream(page, stack.stream);
    await page.selectOption('#timeline-window', '5m');
    await pollPage(page, `document.getElementById('timeline').dataset.from && document.querySelectorAll('#timeline .range').length > 0 && Number(document.getElementById('timeline').dataset.to) - Number(document.getElementById('timeline').dataset.from) === 300000`, 15_000);
    const t = await timelineState(page);
    // One recorded stretch (the producer has been sending since the suite started), the time before it a gap.
    expect(t.ranges).toHaveLength(1);
    const range = t.ranges[0] as { start: number; end: number };
    expect(range.end - range.start).toBeGreaterThan(15_000);
    expect(t.gaps[0]).toEqual({ start: t.from, end: range.start });
    expect(t.summary).toMatch(/^\d+ s recorded · 1 gap$/);
    const at = range.start + Math.round((range.end - range.start) / 2);
    const { x, y } = await timelinePoint(page, at);
    await page.mouse.click(x, y);
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 2000);
    expect(after.mode).toBe('LIVE_REPLAY');
    expect(after.modeText).toMatch(/^Replay from \d\d:\d\d:\d\d$/);
    // The frame on screen is from about the time clicked (a pixel is 0.3 s; the bar moves with the clock).
    expect(Math.abs(Number(after.playingMs) - at)).toBeLessThan(15_000);
    await expect(page.getAttribute('#timeline', 'data-playhead')).resolves.toMatch(/^\d+$/);
  }, 90_000);

  it('replays the last 5 minutes (ON_DEMAND) and a typed local time (LIVE_REPLAY); a time it cannot read is said next to it', async () => {
    const fragments = await stack.waitForFragments(10);
    await signIn(page, stack.apiKey, stack.stream);
    await pickStream(page, stack.stream);
    await page.click('#play-last5m');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const { after } = await expectAdvancing(page, 2000);
    expect(after.mode).toBe('ON_DEMAND');
    expect(after.modeText).toMatch(/^Replay \d\d:\d\d:\d\d – \d\d:\d\d:\d\d \(5 min\)$/);

    await page.fill('#goto-time', 'ten past ten');
    await page.click('#play-goto');
    await expect(page.textContent('#goto-hint')).resolves.toMatch(/^Write a local time as HH:MM/);
    await expect(page.getAttribute('#goto-time', 'aria-invalid')).resolves.toBe('true');

    const at = fragments[2]?.ProducerTimestamp?.getTime() ?? 0;
    await page.fill('#goto-time', clockIn(at, ZONE));
    await page.click('#play-goto');
    await pollPage(page, `document.getElementById('player').dataset.mode === 'LIVE_REPLAY'`, 15_000);
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    const replay = await expectAdvancing(page, 2000);
    expect(replay.after.modeText).toBe(`Replay from ${clockIn(Math.floor(at / 1000) * 1000, ZONE)}`);
    expect(Number(replay.after.playingMs)).toBeGreaterThanOrEqual(Math.floor(at / 1000) * 1000 - 1000);
  }, 90_000);

  it('downloads a clip of the range dragged on the timeline, which ffprobe reads as H.264 MP4 with frames', async () => {
    await stack.waitForFragments(30);
    await signIn(page, stack.apiKey, stack.stream);
    await pickStream(page, stack.stream);
    await page.selectOption('#timeline-window', '5m');
    await pollPage(page, `document.querySelectorAll('#timeline .range').length > 0 && Number(document.getElementById('timeline').dataset.to) - Number(document.getElementById('timeline').dataset.from) === 300000`, 15_000);
    const range = (await timelineState(page)).ranges[0] as { start: number; end: number };
    await dragOnTimeline(page, range.start + 2_000, range.start + 10_000);
    const chosen = await page.evaluate<{ start: number; end: number; text: string }>(
      `(() => { const o = document.getElementById('clip-range'); return { start: Number(o.dataset.start), end: Number(o.dataset.end), text: o.textContent }; })()`,
    );
    expect(chosen.end - chosen.start).toBeGreaterThan(5_000);
    expect(chosen.text).toMatch(/^Clip: \d\d:\d\d:\d\d – \d\d:\d\d:\d\d \(\d+(\.\d)? s\)$/);
    await expect(page.isDisabled('#clip')).resolves.toBe(false);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#clip')]);
    const file = join(downloads, download.suggestedFilename() || 'clip.mp4');
    await download.saveAs(file);
    // Named by the clip's start in local time (Asia/Kolkata), as every time on the page.
    const startClock = clockIn(chosen.start, ZONE).replace(/:/g, '-');
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${stack.stream}-\\d{4}-\\d{2}-\\d{2}_${startClock}\\.mp4$`));
    // The clip asked for is the range chosen.
    await expect(page.getAttribute('#clip', 'data-start')).resolves.toBe(String(chosen.start));
    await expect(page.getAttribute('#clip', 'data-end')).resolves.toBe(String(chosen.end));
    const probe = await ffprobe(file);
    expect(probe.format).toMatch(/mp4/);
    expect(probe.codec).toBe('h264');
    expect([probe.width, probe.height]).toEqual([320, 240]);
    // At 25 fps, over 5 s of range: well over a hundred frames.
    expect(probe.frames).toBeGreaterThan(100);
  }, 90_000);

  it('takes the snapshot of the frame on screen (the paused replay), not of a field', async () => {
    await stack.waitForFragments(20);
    await signIn(page, stack.apiKey, stack.stream);
    await pickStream(page, stack.stream);
    await page.click('#play-last5m');
    await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
    await expectAdvancing(page, 1500);
    await page.evaluate(`document.getElementById('player').pause()`);
    await sleep(500);
    const shown = await playback(page);
    expect(shown.paused).toBe(true);
    await page.click('#snapshot');
    await page.waitForSelector('#snapshot[data-state="done"]', { timeout: 60_000 });
    await pollPage(page, `document.getElementById('snapshot-image').complete && document.getElementById('snapshot-image').naturalWidth > 0`, 10_000);
    const snap = await page.evaluate<{ at: string; caption: string; alt: string; w: number; hidden: boolean }>(
      `(() => { const i = document.getElementById('snapshot-image'), f = document.getElementById('snapshot-figure');
        return { at: f.dataset.at, caption: document.getElementById('snapshot-caption').textContent, alt: i.alt, w: i.naturalWidth, hidden: f.hidden }; })()`,
    );
    expect(snap.hidden).toBe(false);
    expect(snap.w).toBeGreaterThan(0);
    expect(snap.at).toBe(shown.playingMs);
    expect(snap.caption).toBe(`${stack.stream} at ${shown.playingText}, the picture on screen`);
    expect(snap.alt).toMatch(/^Snapshot of /);
  }, 90_000);

  it("words failures for a viewer next to their cause: a silent camera's live video, snapshot and timeline", async () => {
    await signIn(page, stack.apiKey, silent);
    await pickStream(page, silent);
    await pollPage(page, `/Nothing recorded/.test(document.getElementById('timeline-summary').textContent)`, 15_000);
    await expect(page.textContent('#timeline-summary')).resolves.toBe('Nothing recorded in the last 1 h.');
    await page.click('#play-live');
    await page.waitForSelector('#player[data-state="error"]', { timeout: 30_000 });
    const failed = await playback(page);
    expect(failed.stageMessage).toMatch(/^This camera is not sending video right now/);
    expect(failed.stageMessage).not.toMatch(/fragments found/i);
    await expect(page.getAttribute('#stage-message', 'data-state')).resolves.toBe('error');
    await page.click('#snapshot');
    await page.waitForSelector('#snapshot[data-state="error"]', { timeout: 30_000 });
    await expect(page.textContent('#tool-status')).resolves.toMatch(/^There is no picture at that moment/);
    await expect(page.getAttribute('#tool-status', 'data-state')).resolves.toBe('error');
  }, 60_000);
});
