/**
 * The browser harness of the end-to-end tests (the gateway's player and dashboard pages, the dev-stack dashboard)
 * and of the HLS latency bench: Debian's chromium driven by playwright-core, plus the page-side recorders they
 * install before a page's own scripts and the poll they wait with.
 *
 * chromium is the system's build, not a download: H.264 through MSE works in it. Headless; no sandbox (containers
 * run as root); autoplay without a user gesture, so a muted live player starts by itself as it does after a real
 * click. playwright-core is loaded when a browser is launched, not when this entry is imported: most users of
 * `@tributary/emulator/testing` never start one.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/** The chromium binary: `CHROMIUM_PATH` when set (a test run's setting, as jest takes no flags), else Debian's. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** No sandbox (root in containers); autoplay without a gesture (a muted live player starts by itself). */
export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Launch attempts before a chromium that dies while starting fails the caller. */
const LAUNCH_ATTEMPTS = 3;

/**
 * A headless chromium with CHROMIUM_ARGS; an error naming the fix when the binary is missing.
 *
 * A launch that fails (chromium exiting or closing its DevTools pipe while it starts) is tried again, up to
 * LAUNCH_ATTEMPTS in all, each failure written to stderr: on a loaded 2-core machine a start is the likeliest moment
 * for a browser to fail, and one failed start in a beforeAll fails every test of the file. A browser that dies later
 * still fails the test that was using it (see usableBrowser for files that share one).
 */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`chromium not found at ${CHROMIUM_PATH} (apt install chromium, or set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  for (let attempt = 1; ; attempt++) {
    try {
      // handleSIGHUP off: Playwright's handler closes every browser on a SIGHUP and leaves the test process running,
      // so a hang-up reaching the runner would read as a page failure.
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], handleSIGHUP: false });
      reportSignalsWhileOpen(browser);
      return browser;
    } catch (err) {
      if (attempt >= LAUNCH_ATTEMPTS) throw err;
      const first = String(err instanceof Error ? err.message : err).split('\n')[0];
      process.stderr.write(`launchChromium: attempt ${attempt} of ${LAUNCH_ATTEMPTS} failed (${first}); launching again\n`);
    }
  }
}

/**
 * Playwright closes its browsers gracefully on SIGINT and SIGTERM and the test process goes on, so a signal reaching
 * the runner shows only as pages failing with "browser has been closed". While this browser is open, a signal is
 * written to stderr so the log says why. (The listener goes with the browser: left behind, it would keep a SIGTERM
 * from ending the process.)
 */
function reportSignalsWhileOpen(browser: Browser): void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const report = (signal: NodeJS.Signals): void => {
    process.stderr.write(`browser harness: pid ${process.pid} received ${signal}; Playwright closes its browsers\n`);
  };
  for (const signal of signals) process.on(signal, report);
  browser.once('disconnected', () => {
    for (const signal of signals) process.off(signal, report);
  });
}

/**
 * `browser` when it still opens a page, else a new one (why on stderr). For a browser shared by a file's tests: in
 * CI all eleven dashboard tests failed, several times, on a browser that said it was connected while every newPage
 * failed with "browser has been closed" (the same browser in every error; its log ends in a graceful close no test
 * asked for; never reproduced outside a full CI run). A page, not only a context, is opened here: a context needs
 * no renderer process, a page does. A test then starts from a browser that works; one that dies mid-test still
 * fails that test.
 */
export async function usableBrowser(browser: Browser | undefined): Promise<Browser> {
  if (browser === undefined) return launchChromium();
  if (!browser.isConnected()) {
    process.stderr.write('usableBrowser: the shared chromium is disconnected; launching another\n');
    return launchChromium();
  }
  try {
    const context = await browser.newContext();
    await (await context.newPage()).close();
    await context.close();
    return browser;
  } catch (err) {
    const first = String(err instanceof Error ? err.message : err).split('\n')[0];
    process.stderr.write(`usableBrowser: the shared chromium no longer opens a page (${first}); launching another\n`);
    await browser.close().catch(() => undefined);
    return launchChromium();
  }
}

/**
 * Closes every context `browser` has open (pages opened with browser.newPage() included), each close awaited. For
 * files whose tests share one browser: in an afterEach, so no close is still in flight when afterAll closes the
 * browser. Such a close fails inside Playwright when the browser goes under it, and jest 30 charges that rejection to
 * the test whose async context launched the browser (Playwright dispatches the browser's messages in it): the
 * dashboard spec's first test failed in CI, after every test had passed, with "browser has been closed".
 */
export async function closeContexts(browser: Browser | undefined): Promise<void> {
  if (browser === undefined || !browser.isConnected()) return;
  for (const context of browser.contexts()) await context.close().catch(() => undefined);
}

/** One hls.js error as the recorder keeps it. */
export interface HlsErrorRecord {
  fatal: boolean;
  type: string;
  details: string;
}

export interface HlsErrorRecorderOptions {
  /** The window property the errors go to. Default `__hlsErrors`. */
  errorsVar?: string;
  /** When set, the window property that holds the newest hls.js instance (for samplers that read it). */
  instanceVar?: string;
}

/**
 * Page code for `addInitScript`, run before the page's scripts: when hls.min.js defines window.Hls, it is replaced
 * by a subclass that records every hls.js error in window[errorsVar], so a test sees fatal errors even when the
 * page recovers from them.
 */
export function hlsErrorRecorderScript(options: HlsErrorRecorderOptions = {}): string {
  const errors = JSON.stringify(options.errorsVar ?? '__hlsErrors');
  const keep = options.instanceVar === undefined ? '' : `window[${JSON.stringify(options.instanceVar)}] = this;`;
  return `(() => {
  window[${errors}] = [];
  let wrapped;
  Object.defineProperty(window, 'Hls', {
    configurable: true,
    get() { return wrapped; },
    set(Hls) {
      wrapped = class extends Hls {
        constructor(config) {
          super(config);
          ${keep}
          this.on(Hls.Events.ERROR, (_e, d) => window[${errors}].push({ fatal: !!d.fatal, type: String(d.type), details: String(d.details) }));
        }
      };
    },
  });
})()`;
}

/** What the recorder holds (none when the page has gone or the recorder was not installed). */
export function recordedHlsErrors(page: Page, errorsVar = '__hlsErrors'): Promise<HlsErrorRecord[]> {
  return page.evaluate<HlsErrorRecord[]>(`window[${JSON.stringify(errorsVar)}] || []`);
}

/** Page code for `addInitScript`: records every Content-Security-Policy violation the page causes in window.__csp. */
export const CSP_VIOLATION_RECORDER = `(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
})()`;

export interface PagePollerOptions {
  /** Between two evaluations. Default 100 ms. */
  intervalMs?: number;
  /** Wait when the caller gives none. Default 15 s. */
  defaultTimeoutMs?: number;
  /** What the page says, for the timeout's message (its status line, say). */
  describe?: (page: Page) => Promise<string>;
}

/**
 * A wait until `expression` is truthy in the page, polling from the test: page.waitForFunction polls inside the
 * page with code built at run time, which the pages' Content-Security-Policy (no 'unsafe-eval') rightly refuses.
 */
export function pagePoller(options: PagePollerOptions = {}): (page: Page, expression: string, timeoutMs?: number) => Promise<void> {
  const { intervalMs = 100, defaultTimeoutMs = 15_000, describe } = options;
  return async (page, expression, timeoutMs = defaultTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await page.evaluate(expression))) {
      if (Date.now() > deadline) {
        const says = describe ? `; page says: ${await describe(page).catch((err: unknown) => `(unreadable: ${String(err)})`)}` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}${says}`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
}
