/**
 * Debian's chromium driven by playwright-core for the browser end-to-end suites: no browser download, the
 * system's build (H.264 through MSE works in it). Headless; no sandbox (containers run as root); autoplay without a
 * user gesture, so a muted live player starts by itself as it does after a real click.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`chromium not found at ${CHROMIUM_PATH} (apt install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
}
