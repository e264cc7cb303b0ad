/**
 * The dashboard end to end, as a newcomer sees it after `npm start`: the whole stack through the dev-stack test
 * starter (the real entry, temporary data folder, free ports), the page opened in Debian's chromium through
 * playwright-core, signed in with the credential the stack printed. Checks what a viewer would look at: both
 * cameras' live video decoding frames, the lag or rollup chart gaining points between two reads, the device table
 * filled from the device-state table, the consumers' leases listed, the log agent's `logs` stream in the data-streams
 * panel with its newest access lines; and that the page breaks no
 * Content-Security-Policy rule (no inline script or style, no eval). The screenshot lands in
 * dist/test-artifacts/dashboard.png (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, CSP_VIOLATION_RECORDER, launchChromium, pagePoller } from '@tributary/emulator/testing';
import { startDevStack, type DevStackProcess } from './testing/dev-stack-process';
import { setTimeout as sleep } from 'node:timers/promises';

jest.setTimeout(420_000);

const ARTIFACTS = resolve(__dirname, '../../../dist/test-artifacts');
const CAMERAS = ['camera-1', 'camera-2'];

// Page code as strings: this project is typed for Node, without the DOM library.
const FRAMES = (camera: string) => `(() => {
  const v = document.querySelector('[data-camera="${camera}"] video');
  return v ? v.getVideoPlaybackQuality().totalVideoFrames : -1;
})()`;
const POINTS = `(() => ({
  lag: Number(document.getElementById('lag-chart').dataset.points || 0),
  rollup: Number(document.getElementById('rollup-chart').dataset.points || 0),
}))()`;

const STATUS = `(() => document.getElementById('auth-status').textContent + ' | ' + document.getElementById('dashboard-status').textContent)()`;

/** Waits (polling from the test, as the page's CSP refuses waitForFunction) and says the page's status on a timeout. */
const pollPage = pagePoller({ intervalMs: 200, describe: (page) => page.evaluate<string>(STATUS) });

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

describeBrowser('dashboard in chromium (npm start stack)', () => {
  let stack: DevStackProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // A few devices at a quick rate: the device table and consumer progress move within seconds.
    stack = await startDevStack({ env: { DEV_STACK_DEVICES: '6', LOG_LEVEL: 'warn' } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1100 }, timezoneId: 'UTC' });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.addInitScript(CSP_VIOLATION_RECORDER);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    const stopped = await stack?.stop();
    if (stopped && stopped.code !== 0) process.stderr.write(`dev-stack stopped with ${JSON.stringify(stopped)}\n${stack.logs.slice(-30).join('\n')}\n`);
  });

  it('signs in with the printed credential and shows live cameras, devices and moving charts', async () => {
    await page.goto(stack.dashboardUrl);
    // The player page links here and back.
    expect(await page.getAttribute('#nav-player', 'href')).toBe('/');
    await page.fill('#api-key', stack.apiKey);
    await page.click('#sign-in');
    await pollPage(page, `document.getElementById('auth-status').dataset.state === 'signed-in'`, 30_000);

    // Both cameras' tiles, each decoding frames of its live stream (hls.js through proxied sessions).
    for (const camera of CAMERAS) {
      await pollPage(page, `${FRAMES(camera)} > 0`, 90_000);
    }
    const framesBefore = await Promise.all(CAMERAS.map((c) => page.evaluate<number>(FRAMES(c))));

    // Telemetry: the device table fills from the device-state table, the consumers' leases are listed.
    await pollPage(page, `document.querySelectorAll('#device-table tbody tr[data-device]').length > 0`, 90_000);
    await pollPage(page, `Number(document.getElementById('consumer-table').dataset.count) > 0`, 90_000);
    await pollPage(page, `Number(document.getElementById('lag-chart').dataset.points) > 0`, 30_000);

    // Data streams: the log agent's `logs` stream, previewed without a click, its newest access lines as JSON.
    await pollPage(page, `!!document.querySelector('#data-stream-table tr[data-stream="logs"]')`, 90_000);
    await pollPage(page, `document.getElementById('stream-preview').dataset.stream === 'logs' && Number(document.getElementById('stream-preview').dataset.count) > 0`, 90_000);
    expect(await page.getAttribute('#stream-preview li', 'data-encoding')).toBe('json');

    const pointsBefore = await page.evaluate<{ lag: number; rollup: number }>(POINTS);
    await sleep(5_000);
    const pointsAfter = await page.evaluate<{ lag: number; rollup: number }>(POINTS);
    const framesAfter = await Promise.all(CAMERAS.map((c) => page.evaluate<number>(FRAMES(c))));

    expect(pointsAfter.lag > pointsBefore.lag || pointsAfter.rollup > pointsBefore.rollup).toBe(true);
    framesAfter.forEach((after, i) => expect(after).toBeGreaterThan(framesBefore[i] ?? 0));
    // Each tile shows its camera's health: a fragment rate and how old the newest fragment is.
    for (const camera of CAMERAS) {
      const figure = (name: string) => page.evaluate<string>(`document.querySelector('[data-camera="${camera}"] [data-figure="${name}"]').textContent`);
      expect(Number(await figure('fps'))).toBeGreaterThan(0);
      expect(await figure('age')).toMatch(/^\d+(\.\d)? (s|min)$/);
    }
    const devices = await page.evaluate<number>(`document.querySelectorAll('#device-table tbody tr[data-device]').length`);
    expect(devices).toBeGreaterThan(0);
    expect(await page.getAttribute('#rollup-chart', 'data-device')).not.toBeNull();

    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(await page.evaluate<string[]>('window.__csp')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
