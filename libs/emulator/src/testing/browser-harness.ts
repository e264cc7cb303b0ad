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
 * A launch that fails is tried again, up to LAUNCH_ATTEMPTS in all, each failure written to stderr. In CI under load
 * chromium twice closed its DevTools pipe while starting (its log ends after the D-Bus warnings, before the first
 * protocol answer; Playwright then reports "Target page, context or browser has been closed" and closes it), which
 * failed every test of a file in beforeAll. The retry covers the start only: a browser that dies later still fails
 * the test that was using it.
 */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`chromium not found at ${CHROMIUM_PATH} (apt install chromium, or set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  for (let attempt = 1; ; attempt++) {
    try {
      // handleSIGHUP off: Playwright's handler closes every browser on a SIGHUP and leaves the test process running,
      // so a hang-up reaching the runner would read as a page failure.
      return await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], handleSIGHUP: false });
    } catch (err) {
      if (attempt >= LAUNCH_ATTEMPTS) throw err;
      const first = String(err instanceof Error ? err.message : err).split('\n')[0];
      process.stderr.write(`launchChromium: attempt ${attempt} of ${LAUNCH_ATTEMPTS} failed (${first}); launching again\n`);
    }
  }
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
