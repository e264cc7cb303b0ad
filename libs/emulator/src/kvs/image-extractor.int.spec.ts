/**
 * ImageExtractor's process handling, with stand-in "ffmpeg" shell scripts: at most `concurrency` runs at a time,
 * a run killed at its timeout or when the request is abandoned, a failing or missing binary reported by code.
 * (The real ffmpeg path is covered by get-images.int.spec.ts.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageExtractionError, ImageExtractor, type ImageFormatOptions } from './image-extractor';

const JPEG: ImageFormatOptions = { format: 'JPEG', jpegQuality: 80 };
const DOCUMENT = [Buffer.alloc(64 * 1024, 1)];

describe('ImageExtractor processes', () => {
  let tmp: string;
  const script = (name: string, body: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };
  const failure = async (promise: Promise<unknown>): Promise<ImageExtractionError> => {
    try {
      await promise;
    } catch (err) {
      if (err instanceof ImageExtractionError) return err;
      throw err;
    }
    throw new Error('expected the extraction to fail');
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-image-extractor-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('runs at most `concurrency` processes at a time, and reads what they write to stdout', async () => {
    const log = path.join(tmp, 'runs.log');
    // Reads its stdin, logs start and end, "writes" one JPEG (SOI, EOI).
    const fake = script('fake-ffmpeg', `echo start >> ${log}\ncat > /dev/null\nsleep 0.2\necho end >> ${log}\nprintf '\\377\\330\\377\\331'`);
    const extractor = new ImageExtractor({ ffmpegPath: fake, concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 5 }, () => extractor.extract(DOCUMENT, [0], JPEG)));
    expect(results.map((r) => r.map((i) => i && [...i]))).toEqual(new Array(5).fill([[0xff, 0xd8, 0xff, 0xd9]]));
    let running = 0;
    let most = 0;
    for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
      running += line === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });

  it('answers frames the process did not write as undefined, in the order asked', async () => {
    // One JPEG for two frames asked: the first in frame order (5) gets it.
    const fake = script('one-image', `cat > /dev/null\nprintf '\\377\\330\\377\\331'`);
    const out = await new ImageExtractor({ ffmpegPath: fake }).extract(DOCUMENT, [9, 5], JPEG);
    expect(out.map((i) => i?.length)).toEqual([undefined, 4]);
  });

  it('kills a run at its timeout', async () => {
    const slow = script('slow-ffmpeg', 'sleep 5');
    const started = Date.now();
    const err = await failure(new ImageExtractor({ ffmpegPath: slow, runTimeoutMs: 100, perImageTimeoutMs: 0 }).extract(DOCUMENT, [0], JPEG));
    expect(err.code).toBe('TIMEOUT');
    expect(err.retriable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('kills a run when the request is abandoned, and starts none after', async () => {
    const slow = script('slow-ffmpeg-2', 'sleep 5');
    const extractor = new ImageExtractor({ ffmpegPath: slow });
    const abandoned = new AbortController();
    setTimeout(() => abandoned.abort(), 50);
    expect((await failure(extractor.extract(DOCUMENT, [0], JPEG, abandoned.signal))).code).toBe('ABORTED');
    expect((await failure(extractor.extract(DOCUMENT, [0], JPEG, abandoned.signal))).code).toBe('ABORTED');
  });

  it('reports a failing process with its stderr, and a missing binary', async () => {
    const broken = script('broken-ffmpeg', 'echo "Invalid data found when processing input" >&2\nexit 1');
    const err = await failure(new ImageExtractor({ ffmpegPath: broken }).extract(DOCUMENT, [0], JPEG));
    expect(err.code).toBe('FFMPEG_FAILED');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain('Invalid data found');
    const missing = await failure(new ImageExtractor({ ffmpegPath: path.join(tmp, 'no-such-ffmpeg') }).extract(DOCUMENT, [0], JPEG));
    expect(missing.code).toBe('SPAWN_FAILED');
  });
});
