/**
 * The web player as the browser suites drive it (src/e2e/player*.e2e.int.spec.ts): what a viewer sees of playback,
 * and the moves a viewer makes — sign in, pick a camera, click or drag on the recording timeline. Page code as
 * strings: this project is typed for Node, without the DOM library.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { pagePoller } from '@tributary/emulator/testing';

const FFPROBE = existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';
const execFileAsync = promisify(execFile);

export interface Playback {
  frames: number;
  dropped: number;
  currentTime: number;
  paused: boolean;
  state: string;
  mode: string;
  delivery: string;
  status: string;
  stageMessage: string;
  modeText: string;
  latencyMs: string;
  /** The producer time of the frame on screen (#playing-time[data-ms]), '' when none. */
  playingMs: string;
  playingText: string;
}

const PLAYBACK = `(() => {
  const v = document.getElementById('player');
  const q = v.getVideoPlaybackQuality();
  const text = (id) => document.getElementById(id).textContent || '';
  return {
    frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, currentTime: v.currentTime, paused: v.paused,
    state: v.dataset.state || '', mode: v.dataset.mode || '', delivery: v.dataset.delivery || '',
    status: text('status'), stageMessage: text('stage-message'), modeText: text('mode'),
    latencyMs: document.getElementById('latency').dataset.ms || '',
    playingMs: document.getElementById('playing-time').dataset.ms || '', playingText: text('playing-time'),
  };
})()`;

export const playback = (page: Page): Promise<Playback> => page.evaluate<Playback>(PLAYBACK);

/** Waits (polling from the test, as the page's CSP refuses waitForFunction) and says the page's status on a timeout. */
export const pollPage = pagePoller({ describe: async (page) => JSON.stringify(await playback(page)) });

/** Signs in with an API key and waits for `stream` in the camera list. */
export async function signIn(page: Page, apiKey: string, stream: string): Promise<void> {
  await page.fill('#api-key', apiKey);
  await page.click('#sign-in');
  await page.waitForSelector(`#streams [data-stream="${stream}"]`, { timeout: 15_000 });
}

/** Picks `stream` from the list and waits for its recording timeline. */
export async function pickStream(page: Page, stream: string): Promise<void> {
  await page.click(`#streams [data-stream="${stream}"]`);
  await pollPage(page, `document.getElementById('selected-stream').dataset.stream === ${JSON.stringify(stream)}`);
}

export interface TimelineState {
  from: number;
  to: number;
  ranges: Array<{ start: number; end: number }>;
  gaps: Array<{ start: number; end: number }>;
  summary: string;
}

export function timelineState(page: Page): Promise<TimelineState> {
  return page.evaluate<TimelineState>(`(() => {
    const t = document.getElementById('timeline');
    const spans = (cls) => [...t.querySelectorAll('.' + cls)].map((e) => ({ start: Number(e.dataset.start), end: Number(e.dataset.end) }));
    return { from: Number(t.dataset.from), to: Number(t.dataset.to), ranges: spans('range'), gaps: spans('gap'),
      summary: document.getElementById('timeline-summary').textContent || '' };
  })()`);
}

/** The viewport x of `ms` on the timeline's bar, and its y (the bar's middle). */
export async function timelinePoint(page: Page, ms: number): Promise<{ x: number; y: number }> {
  const box = await page.locator('#timeline .track').boundingBox();
  if (!box) throw new Error('the timeline has no box');
  const t = await timelineState(page);
  return { x: box.x + (box.width * (ms - t.from)) / (t.to - t.from), y: box.y + box.height / 2 };
}

/** Drags across the timeline from `startMs` to `endMs` (a clip range). */
export async function dragOnTimeline(page: Page, startMs: number, endMs: number): Promise<void> {
  const a = await timelinePoint(page, startMs);
  const b = await timelinePoint(page, endMs);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

/** The box of an element, rounded to whole pixels. */
export async function boxOf(page: Page, selector: string): Promise<{ width: number; height: number }> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} has no box`);
  return { width: Math.round(box.width), height: Math.round(box.height) };
}

/** `HH:MM:SS` of `ms` in a time zone, 24-hour: what the page must show in a browser set to that zone. */
export function clockIn(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

/**
 * ffprobe's view of a file or URL. Asynchronous on purpose: the emulator and the gateway run in the test's process,
 * so a synchronous child would block the very event loop that has to answer its requests.
 */
export async function ffprobe(input: string): Promise<{ format: string; codec: string; frames: number; width: number; height: number }> {
  const { stdout } = await execFileAsync(
    FFPROBE,
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'format=format_name:stream=codec_name,width,height,nb_read_frames', '-of', 'json', input],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const j = JSON.parse(stdout) as { format?: { format_name?: string }; streams?: Array<{ codec_name?: string; width?: number; height?: number; nb_read_frames?: string }> };
  const s = j.streams?.[0];
  return { format: j.format?.format_name ?? '', codec: s?.codec_name ?? '', frames: Number(s?.nb_read_frames ?? 0), width: s?.width ?? 0, height: s?.height ?? 0 };
}
