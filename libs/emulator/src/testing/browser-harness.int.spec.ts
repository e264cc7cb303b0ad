/**
 * launchChromium's retry, with a real chromium behind a wrapper that fails the first start (it exits before
 * Playwright's first protocol call) and starts chromium the second time; usableBrowser's check of a shared browser.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirsRemovedAfterEach } from './temp-dirs';

const REAL_CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const describeBrowser = existsSync(REAL_CHROMIUM) ? describe : describe.skip;

describeBrowser('launchChromium', () => {
  const tempDir = tempDirsRemovedAfterEach('chromium-wrapper-');
  let dir: string;
  const saved = process.env['CHROMIUM_PATH'];

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['CHROMIUM_PATH'];
    else process.env['CHROMIUM_PATH'] = saved;
  });

  /** A wrapper that counts its starts in `starts` and exits at once for the first `failures` of them. */
  function wrapper(failures: number): string {
    const path = join(dir, 'chromium');
    writeFileSync(
      path,
      [
        '#!/bin/sh',
        `echo start >> ${join(dir, 'starts')}`,
        `n=$(wc -l < ${join(dir, 'starts')})`,
        `if [ "$n" -le ${failures} ]; then echo "wrapper: failing start $n" >&2; exit 1; fi`,
        `exec ${REAL_CHROMIUM} "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(path, 0o755);
    return path;
  }
  const starts = (): number => readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length;

  /** The harness reads CHROMIUM_PATH when loaded: a fresh copy per case. */
  function harnessWith(path: string): typeof import('./browser-harness') {
    process.env['CHROMIUM_PATH'] = path;
    let harness!: typeof import('./browser-harness');
    jest.isolateModules(() => {
      harness = require('./browser-harness');
    });
    return harness;
  }

  it('launches again when chromium dies while starting, and the browser it returns works', async () => {
    const { launchChromium } = harnessWith(wrapper(1));
    const browser = await launchChromium();
    try {
      expect(starts()).toBe(2);
      const page = await browser.newPage();
      await page.setContent('<p id="p">up</p>');
      expect(await page.textContent('#p')).toBe('up');
    } finally {
      await browser.close();
    }
  });

  it('gives up after three failed starts with the last error', async () => {
    const { launchChromium } = harnessWith(wrapper(3));
    await expect(launchChromium()).rejects.toThrow(/wrapper: failing start 3/);
    expect(starts()).toBe(3);
  });

  it('usableBrowser keeps a browser that works and replaces one that has gone', async () => {
    const { launchChromium, usableBrowser } = harnessWith(REAL_CHROMIUM);
    const first = await launchChromium();
    let second: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      expect(await usableBrowser(first)).toBe(first);
      await first.close();
      second = await usableBrowser(first);
      expect(second).not.toBe(first);
      const page = await second.newPage();
      await page.setContent('<p id="p">again</p>');
      expect(await page.textContent('#p')).toBe('again');
    } finally {
      await first.close();
      await second?.close();
    }
  });

  it('closeContexts closes every context, pages opened with newPage included, and leaves the browser open', async () => {
    const { launchChromium, closeContexts } = harnessWith(REAL_CHROMIUM);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const pages = [await context.newPage(), await browser.newPage()];
      const closed = pages.map((page) => new Promise<void>((resolve) => page.once('close', () => resolve())));
      expect(browser.contexts()).toHaveLength(2);
      await closeContexts(browser);
      await Promise.all(closed);
      expect(browser.contexts()).toHaveLength(0);
      expect(browser.isConnected()).toBe(true);
      await closeContexts(undefined);
    } finally {
      await browser.close();
    }
    await closeContexts(browser); // closed: nothing to do, no error
  });
});
