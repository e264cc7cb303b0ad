/**
 * The web player's layout and accessibility (issue 19), in Debian's chromium through playwright-core, against the
 * same stack as player.e2e.int.spec.ts (emulator, real video producer, gateway). At 1280, 1440 and 1920 px and on a
 * phone (390×844), signed out, with a camera picked, while it plays live and after: nothing sticks out sideways or is
 * cut off, no column is empty, the video's stage keeps its size before, during and after playback, and axe-core finds
 * no serious or critical violation. Screenshots of each state land in dist/test-artifacts/ (player-<size>-<state>.png,
 * regenerated every run). Then the camera list at 57 cameras: paged by 50, and searched.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { chromiumAvailable, launchChromium, uniqueStreamName } from '@tributary/emulator/testing';
import { ARTIFACTS, freshArtifacts, layoutReport, seriousAxeViolations, VIEWPORTS } from '../testing/page-checks';
import { startPlaybackStack, type PlaybackStack } from '../testing/playback-stack';
import { boxOf, pickStream, pollPage, signIn } from '../testing/player-page';

const describeBrowser = chromiumAvailable() ? describe : describe.skip;

/** Screenshot, layout and (when asked) axe of the page in its current state. */
async function checkPage(page: Page, file: string, audit: boolean): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
  const layout = await layoutReport(page);
  expect({ file, overflow: layout.horizontalOverflow, cutOff: layout.cutOff, emptyChildren: layout.emptyChildren }).toEqual({ file, overflow: 0, cutOff: [], emptyChildren: [] });
  // Columns fill the width but for the gaps between them (a few px of rounding).
  expect(layout.emptyWidth).toBeLessThanOrEqual(2);
  if (audit) expect({ file, violations: await seriousAxeViolations(page) }).toEqual({ file, violations: [] });
}

describeBrowser('web player layout and accessibility in chromium', () => {
  let stack: PlaybackStack;
  let browser: Browser;
  const silent = uniqueStreamName('e2e-silent');

  beforeAll(async () => {
    freshArtifacts('player-');
    stack = await startPlaybackStack({ fragmentMs: 500 });
    await stack.kvs.send(new CreateStreamCommand({ StreamName: silent, DataRetentionInHours: 24, MediaType: 'video/h264' }));
    browser = await launchChromium();
    await stack.waitForFragments(10);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it.each(VIEWPORTS)('at $name ($width×$height): no overflow, nothing cut off, no empty column, a stage of one size, no serious axe violation', async (vp) => {
    const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await page.goto(stack.gateway.url);
      await checkPage(page, `player-${vp.name}-signed-out.png`, true);

      await signIn(page, stack.apiKey, stack.stream);
      await pickStream(page, stack.stream);
      await pollPage(page, `document.querySelectorAll('#timeline .range').length > 0`, 15_000);
      const before = await boxOf(page, '#stage');
      expect(before.width).toBeGreaterThan(vp.width / 2);
      await checkPage(page, `player-${vp.name}-selected.png`, false);

      await page.click('#play-live');
      await page.waitForSelector('#player[data-state="playing"]', { timeout: 30_000 });
      await pollPage(page, `document.getElementById('latency').dataset.ms !== ''`, 10_000);
      const during = await boxOf(page, '#stage');
      await checkPage(page, `player-${vp.name}-playing.png`, true);

      // After: another camera picked (playback stopped), then its failed live start.
      await pickStream(page, silent);
      const after = await boxOf(page, '#stage');
      await page.click('#play-live');
      await page.waitForSelector('#player[data-state="error"]', { timeout: 30_000 });
      const failed = await boxOf(page, '#stage');
      await checkPage(page, `player-${vp.name}-error.png`, true);
      expect({ during, after, failed }).toEqual({ during: before, after: before, failed: before });
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('pages the camera list by 50 and searches it by name', async () => {
    const prefix = uniqueStreamName('e2e-page');
    for (let i = 0; i < 55; i++) {
      await stack.kvs.send(new CreateStreamCommand({ StreamName: `${prefix}-${String(i).padStart(2, '0')}`, DataRetentionInHours: 24, MediaType: 'video/h264' }));
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(stack.gateway.url);
      await signIn(page, stack.apiKey, stack.stream);
      // 57 cameras: the stack's, the silent one and 55 more (the gateway shares its stream list 2 s: the list's
      // 5-s refresh shows them if the first load got the older one).
      await pollPage(page, `document.getElementById('streams').dataset.count === '50'`, 15_000);
      await expect(page.textContent('#stream-count')).resolves.toBe('50 of 57 cameras');
      await page.click('#more-streams');
      await pollPage(page, `document.getElementById('streams').dataset.count === '57'`);
      await expect(page.isVisible('#more-streams')).resolves.toBe(false);
      await expect(page.textContent('#stream-count')).resolves.toBe('57 cameras');
      await page.fill('#stream-search', `${prefix}-1`);
      await pollPage(page, `document.getElementById('streams').dataset.count === '10'`);
      await expect(page.textContent('#stream-count')).resolves.toBe('10 cameras');
      await page.fill('#stream-search', 'no such camera');
      await pollPage(page, `/letters, digits/.test(document.getElementById('streams-status').textContent)`);
      await page.fill('#stream-search', 'nosuchcamera');
      await pollPage(page, `document.getElementById('streams').dataset.count === '0'`);
      await expect(page.textContent('#stream-count')).resolves.toBe('no camera matches “nosuchcamera”');
      await page.screenshot({ path: join(ARTIFACTS, 'player-1280-search.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 90_000);
});
