/**
 * The test pattern's picture, rendered by the real ffmpeg from the plan the producer runs (issue 19: it showed two
 * overlapping clocks — testsrc2's own stream-time counter under a see-through box with the wall-clock text).
 * The first frame is read back as RGB: the top band must be black and white only (no trace of testsrc2's orange
 * counter or of the colour bars behind it), and the clock text must be there.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildFfmpegPlan, ffmpegArgs, findFont, resolveFfmpegPath, TESTSRC2_COUNTER, type EncodingSettings } from './ffmpeg-adapter';

const run = promisify(execFile);

/** The first frame of the test pattern at `width`×`height`, through the plan's filters, as RGB24. */
async function firstFrame(width: number, height: number, fontFile: string): Promise<Buffer> {
  const enc: EncodingSettings = { fragmentMs: 1000, width, height, fps: 15, bitrateKbps: 500, copy: false };
  const args = ffmpegArgs(buildFfmpegPlan({ kind: 'testsrc' }, enc, { fontFile }));
  const vf = args[args.indexOf('-vf') + 1] ?? '';
  const input = args[args.indexOf('-i') + 1] ?? '';
  const { stdout } = await run(resolveFfmpegPath().path, ['-v', 'error', '-f', 'lavfi', '-i', input, '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30_000,
  });
  expect(stdout.length).toBe(width * height * 3);
  return stdout;
}

/** Over the rectangle: the largest chroma (max − min of R, G, B) and the count of near-white pixels. */
function inspect(frame: Buffer, width: number, box: { w: number; h: number }): { maxChroma: number; white: number } {
  let maxChroma = 0;
  let white = 0;
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      const i = (y * width + x) * 3;
      const [r, g, b] = [frame[i] as number, frame[i + 1] as number, frame[i + 2] as number];
      maxChroma = Math.max(maxChroma, Math.max(r, g, b) - Math.min(r, g, b));
      if (r > 200 && g > 200 && b > 200) white++;
    }
  }
  return { maxChroma, white };
}

describe('the test pattern', () => {
  const fontFile = findFont();

  it.each([
    [640, 360],
    [320, 240],
    [1280, 720],
  ])("at %d×%d shows one clock: white on a black bar that covers testsrc2's own counter", async (width, height) => {
    expect(fontFile).toBeDefined(); // DejaVu Sans comes with Debian's ffmpeg (fontconfig)
    const frame = await firstFrame(width, height, fontFile as string);
    // testsrc2's counter corner, and the whole band the clock sits in (at least the counter's height).
    const corner = inspect(frame, width, { w: TESTSRC2_COUNTER.width, h: TESTSRC2_COUNTER.height });
    expect(corner.maxChroma).toBeLessThan(40);
    const band = inspect(frame, width, { w: width, h: TESTSRC2_COUNTER.height });
    expect(band.maxChroma).toBeLessThan(40);
    expect(band.white).toBeGreaterThan(100); // the clock's text
  });
});
